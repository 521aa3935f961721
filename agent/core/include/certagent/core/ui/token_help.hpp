#pragma once
// What the tray offers around the tokens themselves, from the token plugins' data: a token
// plugged in whose driver is missing (with the vendor's download link) and the vendor's own
// utility when it is installed. Views are built from the DriversMissing event's JSON and the
// profiles; both are bounded and checked, since a plugin can publish events too.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "certagent/core/token/token_profile.hpp"

namespace certagent::ui {

struct MissingDriverView {
    std::string plugin;
    std::string product;  // the USB name, else the profile's product
    std::string device;
    bool moduleMissing = true;               // else: the driver is there but shows no token
    std::vector<token::DriverLink> drivers;  // urls are https:// only (others dropped)
};

// From a DriversMissing event's "devices" (or the CLI's list of the same objects); entries
// that are not objects, lack a plugin, or exceed the bounds are skipped.
std::vector<MissingDriverView> missingDriverViews(const nlohmann::json& devices);

struct VendorToolView {
    std::string plugin;
    std::string name;  // the profile's tool name, else "<vendor> utility"
    std::filesystem::path path;
};

// The vendor utilities installed on this machine, one per plugin (installedVendorTool).
std::vector<VendorToolView> vendorToolViews(const std::vector<token::TokenProfile>& profiles);

// "Feitian ePass3000 is plugged in, but its driver is not installed" (translated).
std::string missingDriverText(const MissingDriverView& view);
// "Open CryptoIDE User Tools" (translated).
std::string vendorToolLabel(const VendorToolView& view);
// A driver link the tray may open in the browser: https:// with a host, no spaces or controls.
bool isSafeDriverUrl(const std::string& url);

}  // namespace certagent::ui
