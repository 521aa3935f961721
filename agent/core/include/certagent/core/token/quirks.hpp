#pragma once
// Vendor quirks: what a vendor's token or module does that the agent must work around. A token
// profile names them ("quirks": [...]); each name is one entry of the registry below and sets
// one flag that a small hook in the token service reads (docs/tokens.md, "Quirks"). A name the
// registry does not know is logged and ignored, so a newer plugin still loads.
#include <string>
#include <string_view>
#include <vector>

namespace certagent::token {

struct TokenQuirks {
    // close_sessions_when_idle (ePass2003): a TokenSession that is not logged in closes its
    // Cryptoki session after every operation instead of holding it until it is destroyed.
    bool closeSessionsWhenIdle = false;
    // token_info_cancel_on_old_macos (mToken CryptoID): C_GetTokenInfo answering CKR_CANCEL
    // with the structure filled in counts as success (else the token would look absent).
    bool tokenInfoCancelMeansOk = false;
    // ec_p256_only_on_ecc_variant (ePass2003): an EC key pair is generated only when the
    // token's mechanism list has CKM_EC_KEY_PAIR_GEN; otherwise a clear refusal, no attempt.
    bool ecKeysOnlyWhenListed = false;
    // vendor_module_before_opensc (ePass2003): among the profile's module candidates, OpenSC's
    // module is tried only after every vendor module, whatever the listed order.
    bool vendorModuleBeforeOpenSc = false;
    // not_ccid_detect_by_usb_id (ePass3000): never visible in PC/SC without its driver, so its
    // USB ids are the only sign of it; a profile naming this quirk must declare "usb".
    bool usbIsOnlySign = false;

    TokenQuirks& operator|=(const TokenQuirks& other) noexcept;
};

struct QuirkEntry {
    std::string_view name;
    bool TokenQuirks::*flag;
};

// Every quirk the agent knows, by profile name.
const std::vector<QuirkEntry>& quirkRegistry();

// The flags for these names; names the registry does not know go to `unknown` when given.
TokenQuirks quirksFromNames(const std::vector<std::string>& names,
                            std::vector<std::string>* unknown = nullptr);

}  // namespace certagent::token
