// A token plugin for the token-care tests: claims SoftHSM2 tokens with a vendor's PIN rules
// (6 to 8 characters, 3 tries) and calls the unblocking secret "SO PIN", as the Feitian
// profiles do. It names no module: the tests choose SoftHSM2 or the PIN-counting module.
#include <certagent/sdk/plugin.hpp>

class StrictPinToken : public certagent::sdk::TokenPlugin {
public:
    using TokenPlugin::TokenPlugin;
    nlohmann::json profile() const override {
        return {{"name", "test-strict-pin-token"},
                {"vendor", "Test"},
                {"product", "Token with vendor PIN rules"},
                {"token_info", {{{"manufacturer", "SoftHSM*"}, {"model", "SoftHSM*"}}}},
                {"modules", nlohmann::json::object()},
                {"key_types", {"ec-p256", "rsa2048"}},
                {"pin", {{"min", 6}, {"max", 8}, {"tries", 3}, {"unblock_name", "SO PIN"}}}};
    }
};
CERTAGENT_PLUGIN(StrictPinToken, token, "test-strict-pin-token", "1.0.0",
                 "Test: SoftHSM2 tokens with a vendor's PIN rules and SO PIN name")
