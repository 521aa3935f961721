// renewal: "Renew now…" per renewable certificate and "Continue" per open renewal, delegating
// to the agent's renewal service (host methods renewal.list/start/advance/cancel, registered
// by renewal::attachRenewalService). The reminders' "renew" UserAction reaches the service
// directly through the bus; this plugin only maps the engine onto menu items and actions.
#include <certagent/sdk/plugin.hpp>

#include <string>

namespace {

using certagent::sdk::json;

class RenewalFlow : public certagent::sdk::FlowPlugin {
public:
    explicit RenewalFlow(certagent::sdk::Host& host) : FlowPlugin(host) {}

    json menuItems(const json&) override {
        json items = json::array();
        json open;
        try {
            open = host().callMethod("renewal.list", {{"open", true}});
        } catch (const certagent::sdk::HostError&) {
            return items;  // no renewal service in this process (CLI): nothing to offer
        }
        for (const auto& r : open) {
            items.push_back({{"id", "continue|" + r.value("id", "")},
                             {"label", "Renewal: " + r.value("message", "")},
                             {"section", "renewal"},
                             {"token", r.value("token", "")},
                             {"cert", r.value("cert", "")}});
        }
        return items;
    }

    json runAction(const std::string& id, const json& args) override {
        auto bar = id.find('|');
        auto verb = id.substr(0, bar);
        auto rest = bar == std::string::npos ? std::string() : id.substr(bar + 1);
        if (verb == "renew") {
            // args: token, cert, years, id_document (the wizard asks for them)
            return host().callMethod("renewal.start", args);
        }
        if (verb == "continue") return host().callMethod("renewal.advance", {{"id", rest}});
        if (verb == "cancel") return host().callMethod("renewal.cancel", {{"id", rest}});
        throw certagent::sdk::PluginError(CA_ERR_NOT_FOUND, "no such action: " + id);
    }
};

}  // namespace

CERTAGENT_PLUGIN(RenewalFlow, flow, "renewal", "1.0.0",
                 "Renews certificates on tokens through the CA's renewal service")
