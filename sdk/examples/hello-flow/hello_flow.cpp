// hello-flow: counts tokens as they are inserted and offers one tray menu item.
#include <certagent/sdk/plugin.hpp>

class HelloFlow : public certagent::sdk::FlowPlugin {
public:
    explicit HelloFlow(certagent::sdk::Host& host) : FlowPlugin(host) {
        host.subscribe("TokenInserted", [this](const nlohmann::json& event) {
            ++inserted_;
            this->host().info("token inserted: " + event.value("serial", "?"));
        });
    }

    nlohmann::json menuItems(const nlohmann::json&) override {
        return nlohmann::json::array(
            {{{"id", "hello"}, {"label", "Say hello"}, {"enabled", true}}});
    }

    nlohmann::json runAction(const std::string& id, const nlohmann::json&) override {
        if (id != "hello") throw certagent::sdk::PluginError(CA_ERR_NOT_FOUND, "no such action");
        host().call("notify", {{"title", "Hello"}, {"body", "from an out-of-tree plugin"}});
        return {{"tokens_seen", inserted_}};
    }

private:
    int inserted_ = 0;
};

CERTAGENT_PLUGIN(HelloFlow, flow, "hello-flow", "1.0.0", "Example plugin from docs/plugin-sdk.md")
