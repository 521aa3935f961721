// A token plugin for the renewal tests: claims SoftHSM2 tokens with the ePass2003AUTO profile's
// "close_sessions_when_idle" quirk, so no plugin may hold a session while it waits.
#include <certagent/sdk/plugin.hpp>

class IdleClosingToken : public certagent::sdk::TokenPlugin {
  public:
    using TokenPlugin::TokenPlugin;
    nlohmann::json profile() const override {
        return {{"name", "test-idle-closing-token"},
                {"vendor", "Test"},
                {"product", "Token whose idle sessions must close"},
                {"token_info", {{{"manufacturer", "SoftHSM*"}, {"model", "SoftHSM*"}}}},
                {"modules", {{"linux", {"/usr/lib/softhsm/libsofthsm2.so"}}}},
                {"quirks", {"close_sessions_when_idle"}}};
    }
};
CERTAGENT_PLUGIN(IdleClosingToken, token, "test-idle-closing-token", "1.0.0",
                 "Test: SoftHSM2 tokens whose sessions close when idle, as ePass2003AUTO's")
