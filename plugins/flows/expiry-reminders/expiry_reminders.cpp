// expiry-reminders: tray menu items for certificates whose reminder is due ("Remind me
// tomorrow / in 3 days", "Don't remind me for this certificate"; "Renew now" is the tray's own
// item, and also an action here for notifications that route through the plugin). Decisions,
// state and translated text come from the agent's reminders area (host methods reminders.*,
// docs/reminders.md); this plugin only maps them onto the SDK's menu and action contract.
#include <certagent/sdk/plugin.hpp>

#include <string>

namespace {

using certagent::sdk::json;

// Action ids are "<verb>|<token>|<cert id>" so one action names one certificate.
struct ActionId {
    std::string verb, token, cert;
    static ActionId parse(const std::string& id) {
        ActionId a;
        auto p1 = id.find('|');
        auto p2 = p1 == std::string::npos ? p1 : id.find('|', p1 + 1);
        if (p2 == std::string::npos)
            throw certagent::sdk::PluginError(CA_ERR_NOT_FOUND, "no such action: " + id);
        a.verb = id.substr(0, p1);
        a.token = id.substr(p1 + 1, p2 - p1 - 1);
        a.cert = id.substr(p2 + 1);
        return a;
    }
    std::string str() const { return verb + "|" + token + "|" + cert; }
};

class ExpiryReminders : public certagent::sdk::FlowPlugin {
public:
    explicit ExpiryReminders(certagent::sdk::Host& host) : FlowPlugin(host) {
        // The agent's reminders area shows the notification itself; the plugin keeps a debug
        // trace so a plugin author can see the event contract at work.
        host.events().subscribe("ReminderDue", [this](const json& e) {
            this->host().debug("reminder due: token " + e.value("token", "?") + " cert " +
                               e.value("cert", "?"));
        });
    }

    json menuItems(const json&) override {
        json items = json::array();
        json list;
        try {
            list = host().callMethod("reminders.list");
        } catch (const certagent::sdk::HostError&) {
            return items;  // reminders are off (or no state store): nothing to offer
        }
        json actions = list.value("actions", json::array());
        for (const auto& r : list.value("reminders", json::array())) {
            const auto state = r.value("state", "");
            if (state != "due" && state != "snoozed") continue;
            const auto token = r.value("token", ""), cert = r.value("cert", "");
            // The tray already offers "Renew now" under each certificate; the reminder adds
            // its answers right below it (items with token and cert sit under that
            // certificate in the menu).
            for (const auto& a : actions) {
                const auto verb = a.value("action", "");
                if (verb == "renew") continue;
                std::string id = verb;
                if (verb == "snooze") id += std::to_string(a["args"].value("days", 1));
                items.push_back({{"id", ActionId{id, token, cert}.str()},
                                 {"label", a.value("label", "")},
                                 {"enabled", state == "due" || verb == "dismiss"},
                                 {"section", "reminders"},
                                 {"token", token},
                                 {"cert", cert}});
            }
        }
        return items;
    }

    json runAction(const std::string& id, const json& args) override {
        auto a = ActionId::parse(id);
        json ref = {{"token", a.token}, {"cert", a.cert}};
        if (a.verb == "renew") return host().callMethod("reminders.renew", ref);
        if (a.verb == "dismiss") return host().callMethod("reminders.dismiss", ref);
        if (a.verb.rfind("snooze", 0) == 0) {
            int days = a.verb.size() > 6 ? std::stoi(a.verb.substr(6)) : args.value("days", 1);
            ref["days"] = days;
            return host().callMethod("reminders.snooze", ref);
        }
        throw certagent::sdk::PluginError(CA_ERR_NOT_FOUND, "no such action: " + id);
    }
};

}  // namespace

CERTAGENT_PLUGIN(ExpiryReminders, flow, "expiry-reminders", "1.0.0",
                 "Reminds before certificates expire; tray items to renew, snooze or dismiss")
