// A well-formed token plugin (data only).
#include <certagent/sdk/plugin.hpp>

class GoodToken : public certagent::sdk::TokenPlugin {
public:
    using TokenPlugin::TokenPlugin;
    nlohmann::json profile() const override {
        return {{"vendor", "Test"}, {"usb_ids", {"1234:5678"}}};
    }
};
CERTAGENT_PLUGIN(GoodToken, token, "test-good-token", "1.2.3", "A test token plugin")
