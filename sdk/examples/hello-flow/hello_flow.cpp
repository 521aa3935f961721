// hello-flow: what a third party can do with the SDK alone. It counts tokens as they are
// inserted, offers one tray menu item which reads the certificates on the tokens, keeps a
// count in its own state, and shows a notification with an action; when the person chooses
// the action, it records that and says so on the event bus.
#include <certagent/sdk/plugin.hpp>

#include <atomic>

class HelloFlow : public certagent::sdk::FlowPlugin {
public:
    explicit HelloFlow(certagent::sdk::Host& host) : FlowPlugin(host) {
        // Handlers run on the event thread, runAction on another: shared data is atomic.
        host.events().subscribe("TokenInserted", [this](const nlohmann::json& event) {
            ++inserted_;
            this->host().info("token inserted: " + event.value("serial", "?"));
        });
        // The person's choice on our notification comes back as a UserAction naming us.
        host.events().subscribe("UserAction", [this](const nlohmann::json& event) {
            if (event.value("plugin", "") != "hello-flow" || event.value("action", "") != "wave")
                return;
            this->host().statePut("waved", "yes");
            this->host().events().publish({{"type", "HelloWaved"}, {"token", event.value("token", "")}});
        });
    }

    nlohmann::json menuItems(const nlohmann::json&) override {
        return nlohmann::json::array(
            {{{"id", "hello"}, {"label", host().tr("Say hello")}, {"enabled", true}}});
    }

    // Runs off the UI thread: reading tokens may take a moment.
    nlohmann::json runAction(const std::string& id, const nlohmann::json&) override {
        if (id != "hello") throw certagent::sdk::PluginError(CA_ERR_NOT_FOUND, "no such action");
        auto certificates = host().certificates();
        std::string first;
        for (const auto& c : certificates)
            if (first.empty()) first = c.value("common_name", "");
        auto count = std::to_string(certificates.size());
        host().statePut("certificates_seen", count);
        host().notify({{"title", "Hello"},
                       {"body", count + " certificate(s) on your tokens" +
                                    (first.empty() ? "" : ", the first for " + first)},
                       {"actions", {{{"id", "wave"}, {"label", "Wave back"}, {"action", "wave"}}}}});
        return {{"certificates", certificates.size()}, {"tokens_seen", inserted_.load()},
                {"message", "Hello sent"}};
    }

private:
    std::atomic<int> inserted_{0};
};

CERTAGENT_PLUGIN(HelloFlow, flow, "hello-flow", "1.0.0", "Example plugin from docs/plugin-sdk.md")
