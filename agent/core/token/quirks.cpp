#include "certagent/core/token/quirks.hpp"

#include <algorithm>

namespace certagent::token {

TokenQuirks& TokenQuirks::operator|=(const TokenQuirks& other) noexcept {
    for (const auto& q : quirkRegistry()) this->*q.flag = this->*q.flag || other.*q.flag;
    return *this;
}

const std::vector<QuirkEntry>& quirkRegistry() {
    static const std::vector<QuirkEntry> kRegistry = {
        {"close_sessions_when_idle", &TokenQuirks::closeSessionsWhenIdle},
        {"token_info_cancel_on_old_macos", &TokenQuirks::tokenInfoCancelMeansOk},
        {"ec_p256_only_on_ecc_variant", &TokenQuirks::ecKeysOnlyWhenListed},
        {"vendor_module_before_opensc", &TokenQuirks::vendorModuleBeforeOpenSc},
        {"not_ccid_detect_by_usb_id", &TokenQuirks::usbIsOnlySign},
    };
    return kRegistry;
}

TokenQuirks quirksFromNames(const std::vector<std::string>& names,
                            std::vector<std::string>* unknown) {
    TokenQuirks out;
    const auto& registry = quirkRegistry();
    for (const auto& name : names) {
        auto it = std::find_if(registry.begin(), registry.end(),
                               [&](const QuirkEntry& q) { return q.name == name; });
        if (it != registry.end())
            out.*(it->flag) = true;
        else if (unknown)
            unknown->push_back(name);
    }
    return out;
}

}  // namespace certagent::token
