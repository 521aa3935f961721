// A well-formed flow plugin that uses host services from its constructor and actions.
#include <certagent/sdk/plugin.hpp>

class GoodFlow : public certagent::sdk::FlowPlugin {
public:
    explicit GoodFlow(certagent::sdk::Host& h) : FlowPlugin(h) {
        host().info("test-good-flow started");
        host().subscribe("TestPing", [this](const nlohmann::json& e) {
            host().publish({{"type", "TestPong"}, {"n", e.value("n", 0) + 1}});
        });
    }
    nlohmann::json menuItems(const nlohmann::json&) override {
        return nlohmann::json::array({{{"id", "hello"}, {"label", "Hello"}, {"enabled", true}}});
    }
    nlohmann::json runAction(const std::string& id, const nlohmann::json& args) override {
        if (id == "store") {
            host().call("state.put", {{"key", "k"}, {"value", args.value("value", "")}});
            return host().call("state.get", {{"key", "k"}});
        }
        if (id == "fail") throw certagent::sdk::PluginError(CA_ERR_FAILED, "asked to fail");
        return {{"echo", id}};
    }
};
CERTAGENT_PLUGIN(GoodFlow, flow, "test-good-flow", "0.0.1", "A test flow plugin")
