// A second flow plugin: the same state key as test-good-flow must not reach its value.
#include <certagent/sdk/plugin.hpp>

class OtherFlow : public certagent::sdk::FlowPlugin {
public:
    using FlowPlugin::FlowPlugin;
    nlohmann::json runAction(const std::string& id, const nlohmann::json& args) override {
        if (id == "store") host().statePut("k", args.value("value", ""));
        return {{"value", host().stateGet("k").value_or("")}};
    }
};
CERTAGENT_PLUGIN(OtherFlow, flow, "test-other-flow", "0.0.1", "Another test flow plugin")
