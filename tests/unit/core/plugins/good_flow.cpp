// A well-formed flow plugin that uses host services from its constructor and actions.
#include <certagent/sdk/plugin.hpp>

class GoodFlow : public certagent::sdk::FlowPlugin {
public:
    explicit GoodFlow(certagent::sdk::Host& h) : FlowPlugin(h) {
        host().info("test-good-flow started");
        host().events().subscribe("TestPing", [this](const nlohmann::json& e) {
            host().events().publish({{"type", "TestPong"}, {"n", e.value("n", 0) + 1}});
        });
    }
    nlohmann::json menuItems(const nlohmann::json&) override {
        return nlohmann::json::array({{{"id", "hello"}, {"label", "Hello"}, {"enabled", true}}});
    }
    nlohmann::json runAction(const std::string& id, const nlohmann::json& args) override {
        if (id == "store") {
            host().statePut("k", args.value("value", ""));
            return {{"value", host().stateGet("k").value_or("")}};
        }
        if (id == "timer") {  // a one-shot timer 50 ms from now
            host().timers().scheduleAt(host().nowMs() + 50, [this] {
                host().events().publish({{"type", "TestTimer"}});
            });
            return {{"scheduled", true}};
        }
        if (id == "folder") return {{"folder", host().stateFolder()}};
        if (id == "ask") {
            auto answer = host().ask("confirm", {{"title", "t"}, {"text", "Go?"}});
            return {{"answer", answer ? (*answer)["answer"] : nlohmann::json(nullptr)}};
        }
        if (id == "extension") return {{"found", host().extension(args.value("name", "").c_str()) != nullptr}};
        if (id == "fail") throw certagent::sdk::PluginError(CA_ERR_FAILED, "asked to fail");
        return {{"echo", id}};
    }
};
CERTAGENT_PLUGIN(GoodFlow, flow, "test-good-flow", "0.0.1", "A test flow plugin")
