// Same name as good_token.cpp: the second one loaded must be skipped.
#include <certagent/sdk/plugin.hpp>

class Duplicate : public certagent::sdk::TokenPlugin {
public:
    using TokenPlugin::TokenPlugin;
    nlohmann::json profile() const override { return {{"vendor", "Dup"}}; }
};
CERTAGENT_PLUGIN(Duplicate, token, "test-good-token", "9.9.9", "Duplicate name")
