#pragma once
// Token plugins are data: each returns a profile (JSON) and the agent applies it here. The
// format is documented in docs/tokens.md ("Token profile"); unknown keys are ignored so newer
// plugins still load.
#include "certagent/core/token/quirks.hpp"
#include "certagent/core/token/types.hpp"

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace certagent::token {

struct UsbId {
    std::uint16_t vendor = 0;
    std::uint16_t product = 0;
    std::string name;
};

// All given fields must match (shell-style '*' wildcards, case-insensitive); empty = any.
struct TokenInfoRule {
    std::string manufacturer;
    std::string model;
    std::string label;
    int specificity() const noexcept;  // number of non-empty fields
    bool matches(const TokenInfo& token) const;
};

struct DriverLink {
    std::string os;  // "windows" | "macos" | "linux"
    std::string url;
    std::string note;
};

// The vendor's own utility (PIN change, token management), offered in the tray menu when it is
// installed: per OS the candidate paths (the first existing one is used) and a name for people.
struct VendorTool {
    std::string name;
    std::map<std::string, std::vector<std::string>> paths;  // os → candidate paths
};

struct TokenProfile {
    std::string name;  // the plugin's name
    std::string vendor;
    std::string product;
    bool generic = false;  // claims what no vendor profile claims (generic-pkcs11)
    std::vector<UsbId> usbIds;
    std::vector<TokenInfoRule> tokenInfo;
    std::map<std::string, std::vector<std::string>> modules;  // os → candidate paths
    std::vector<KeyType> keyTypes;
    unsigned minPinLength = 0;
    unsigned maxPinLength = 0;
    std::optional<int> pinTries;
    // What the vendor calls the secret that unblocks the user PIN ("SO PIN", "PUK", ...);
    // empty: not known, the agent says "PUK (SO PIN)".
    std::string unblockPinName;
    std::vector<DriverLink> drivers;
    VendorTool vendorTool;
    std::vector<std::string> quirks;  // as named in the profile
    TokenQuirks quirkFlags;           // the registry's flags for the known names

    // This OS's driver links ("drivers" entries whose os is currentOs()).
    std::vector<DriverLink> driversForThisOs() const;

    bool supports(KeyType type) const;
};

// Throws certagent::Error(ErrorKind::Plugin) naming the bad key. Quirk names the registry does
// not know are logged and ignored.
TokenProfile parseTokenProfile(const nlohmann::json& profile);

// The installed vendor utility of this profile on this OS: its first candidate path that is an
// existing file (or, on macOS, an application bundle folder); nullopt when none is installed.
std::optional<std::filesystem::path> installedVendorTool(const TokenProfile& profile);

// "linux" | "windows" | "macos"
const char* currentOs() noexcept;

// The modules to load, in priority order: for each profile its module override (config
// [tokens.<name>] module) or its first existing candidate for this OS, then `extraModules`,
// then p11-kit's (when useP11Kit). Profiles whose module is not installed are left out.
std::vector<ModuleSpec> resolveModules(const std::vector<TokenProfile>& profiles,
                                       const std::map<std::string, std::string>& overrides,
                                       const std::vector<std::string>& extraModules,
                                       bool useP11Kit);

// Which profile claims a token: the best token-info rule (more fields = more specific), then a
// vendor profile whose module serves the token, then the generic profile. `custom` (a plugin's
// own claim(); nullopt = no opinion) outranks the rules when it returns a positive score.
using CustomClaim = std::function<std::optional<int>(const std::string& profile, const TokenInfo&)>;
std::string claimToken(const std::vector<TokenProfile>& profiles, const TokenInfo& token,
                       const ModuleSpec& spec, const CustomClaim& custom = {});

}  // namespace certagent::token
