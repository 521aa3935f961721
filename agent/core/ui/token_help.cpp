#include "certagent/core/ui/token_help.hpp"

#include <fmt/format.h>

#include "certagent/core/i18n.hpp"

namespace certagent::ui {
namespace {

constexpr std::size_t kMaxDevices = 16;
constexpr std::size_t kMaxText = 512;
constexpr std::size_t kMaxLinks = 4;

std::string text(const nlohmann::json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return {};
    auto s = it->get<std::string>();
    return s.size() <= kMaxText ? s : std::string();
}

}  // namespace

bool isSafeDriverUrl(const std::string& url) {
    constexpr std::string_view kScheme = "https://";
    if (url.size() > kMaxText || url.compare(0, kScheme.size(), kScheme) != 0) return false;
    if (url.size() == kScheme.size() || url[kScheme.size()] == '/') return false;  // no host
    for (unsigned char c : url)
        if (c <= 0x20 || c == 0x7f) return false;
    return true;
}

std::vector<MissingDriverView> missingDriverViews(const nlohmann::json& devices) {
    std::vector<MissingDriverView> out;
    if (!devices.is_array()) return out;
    for (const auto& d : devices) {
        if (out.size() == kMaxDevices) break;
        if (!d.is_object()) continue;
        MissingDriverView v;
        v.plugin = text(d, "plugin");
        if (v.plugin.empty()) continue;
        v.product = text(d, "usb_name");
        if (v.product.empty()) v.product = text(d, "product");
        if (v.product.empty()) v.product = v.plugin;
        v.device = text(d, "device");
        v.moduleMissing = text(d, "reason") != "no_token";
        if (auto links = d.find("drivers"); links != d.end() && links->is_array())
            for (const auto& l : *links) {
                if (v.drivers.size() == kMaxLinks) break;
                if (!l.is_object()) continue;
                token::DriverLink link{{}, text(l, "url"), text(l, "note")};
                if (!link.url.empty() && !isSafeDriverUrl(link.url)) link.url.clear();
                if (!link.url.empty() || !link.note.empty()) v.drivers.push_back(std::move(link));
            }
        out.push_back(std::move(v));
    }
    return out;
}

std::vector<VendorToolView> vendorToolViews(const std::vector<token::TokenProfile>& profiles) {
    std::vector<VendorToolView> out;
    for (const auto& p : profiles) {
        auto path = token::installedVendorTool(p);
        if (!path) continue;
        VendorToolView v;
        v.plugin = p.name;
        v.name = !p.vendorTool.name.empty() ? p.vendorTool.name
                                            : fmt::format(fmt::runtime(_("the {0} utility")),
                                                          p.vendor.empty() ? p.name : p.vendor);
        v.path = *path;
        out.push_back(std::move(v));
    }
    return out;
}

std::string missingDriverText(const MissingDriverView& view) {
    return fmt::format(
        fmt::runtime(view.moduleMissing
                         ? _("{0} is plugged in, but its driver is not installed")
                         : _("{0} is plugged in, but its driver shows no token: reinstall the "
                             "driver or plug the token in again")),
        view.product);
}

std::string vendorToolLabel(const VendorToolView& view) {
    return fmt::format(fmt::runtime(_("Open {0}")), view.name);
}

}  // namespace certagent::ui
