// org.freedesktop.Notifications (Desktop Notifications Specification 1.2) over a private GDBus
// connection served by a thread of its own, so the daemon (no main loop) and the tray (GTK's
// loop) work the same way and no toolkit object owns a notification's lifetime.
#include "desktop_notifier.hpp"

#include <gio/gio.h>

#include <map>
#include <mutex>

#include "bus_thread.hpp"
#include "certagent/core/json_text.hpp"
#include "certagent/core/log.hpp"

namespace certagent::platform {
namespace {

using json = nlohmann::json;
constexpr const char* kService = "org.freedesktop.Notifications";
constexpr const char* kPath = "/org/freedesktop/Notifications";

class DbusNotifier final : public Notifier {
public:
    explicit DbusNotifier(NotificationChoiceHandler onChoice) : on_choice_(std::move(onChoice)) {}

    // Connects and checks that a notification service answers. false: nothing to talk to.
    bool open() {
        GError* error = nullptr;
        gchar* address = g_dbus_address_get_for_bus_sync(G_BUS_TYPE_SESSION, nullptr, &error);
        if (!address) {
            log::info("notify", "no D-Bus session bus: {}", takeMessage(error));
            return false;
        }
        std::string why;
        // The connection, like its subscriptions, belongs to the bus thread's context.
        bool connected = bus_.inBusContext([&] {
            if (!bus_.connect(address, why)) return false;
            bus_.subscribe(nullptr, kService, "ActionInvoked", kPath, nullptr,
                           &DbusNotifier::onSignal, this);
            bus_.subscribe(nullptr, kService, "NotificationClosed", kPath, nullptr,
                           &DbusNotifier::onSignal, this);
            return true;
        });
        g_free(address);
        if (!connected) {
            log::info("notify", "cannot connect to the session bus: {}", why);
            return false;
        }
        if (!serviceRunning()) {
            log::info("notify", "no notification service on the session bus");
            return false;
        }
        bus_.start();
        return true;
    }

    bool notify(const json& n) override {
        GVariantBuilder actions;
        g_variant_builder_init(&actions, G_VARIANT_TYPE("as"));
        // A click on the notification (the "default" action) means "take me there".
        g_variant_builder_add(&actions, "s", "default");
        g_variant_builder_add(&actions, "s", jsonText(n, "title").c_str());
        bool hasActions = false;
        if (auto a = n.find("actions"); a != n.end() && a->is_array()) {
            for (size_t i = 0; i < a->size(); ++i) {
                const auto& act = (*a)[i];
                if (!act.is_object() || jsonText(act, "label").empty()) continue;
                auto key = "a" + std::to_string(i);
                g_variant_builder_add(&actions, "s", key.c_str());
                g_variant_builder_add(&actions, "s", jsonText(act, "label").c_str());
                hasActions = true;
            }
        }
        GVariantBuilder hints;
        g_variant_builder_init(&hints, G_VARIANT_TYPE("a{sv}"));
        auto urgency = jsonText(n, "urgency");
        guchar level = urgency == "critical" ? 2 : urgency == "low" ? 0 : 1;
        g_variant_builder_add(&hints, "{sv}", "urgency", g_variant_new_byte(level));
        g_variant_builder_add(&hints, "{sv}", "desktop-entry", g_variant_new_string("certagent"));
        // Reminders wait for the person; the rest go after the desktop's own timeout.
        gint32 timeout = hasActions ? 0 : -1;
        GError* error = nullptr;
        GVariant* reply = g_dbus_connection_call_sync(
            bus_.connection(), kService, kPath, kService, "Notify",
            g_variant_new("(susssasa{sv}i)", "certagent", 0u, "certagent",
                          jsonText(n, "title").c_str(), jsonText(n, "body").c_str(), &actions,
                          &hints, timeout),
            G_VARIANT_TYPE("(u)"), G_DBUS_CALL_FLAGS_NONE, 5000, nullptr, &error);
        if (!reply) {
            log::warn("notify", "the notification service refused the notification: {}",
                      takeMessage(error));
            return false;
        }
        guint32 id = 0;
        g_variant_get(reply, "(u)", &id);
        g_variant_unref(reply);
        std::lock_guard lock(mutex_);
        shown_[id] = n;
        return true;
    }

private:
    bool serviceRunning() {
        GError* error = nullptr;
        GVariant* reply = g_dbus_connection_call_sync(
            bus_.connection(), "org.freedesktop.DBus", "/org/freedesktop/DBus",
            "org.freedesktop.DBus", "NameHasOwner", g_variant_new("(s)", kService),
            G_VARIANT_TYPE("(b)"), G_DBUS_CALL_FLAGS_NONE, 2000, nullptr, &error);
        if (!reply) {
            g_clear_error(&error);
            return false;
        }
        gboolean owned = FALSE;
        g_variant_get(reply, "(b)", &owned);
        g_variant_unref(reply);
        // A service can also be activatable without running yet.
        return owned || activatable();
    }

    bool activatable() {
        GError* error = nullptr;
        GVariant* reply = g_dbus_connection_call_sync(
            bus_.connection(), "org.freedesktop.DBus", "/org/freedesktop/DBus",
            "org.freedesktop.DBus", "ListActivatableNames", nullptr, G_VARIANT_TYPE("(as)"),
            G_DBUS_CALL_FLAGS_NONE, 2000, nullptr, &error);
        if (!reply) {
            g_clear_error(&error);
            return false;
        }
        GVariantIter* names = nullptr;
        const gchar* name = nullptr;
        bool found = false;
        g_variant_get(reply, "(as)", &names);
        while (g_variant_iter_loop(names, "&s", &name))
            if (std::string(name) == kService) found = true;
        g_variant_iter_free(names);
        g_variant_unref(reply);
        return found;
    }

    static void onSignal(GDBusConnection*, const gchar*, const gchar*, const gchar*,
                         const gchar* signal, GVariant* params, gpointer self) {
        static_cast<DbusNotifier*>(self)->handle(signal, params);
    }

    void handle(const std::string& signal, GVariant* params) {
        guint32 id = 0;
        json notification, choice;
        if (signal == "ActionInvoked") {
            if (!g_variant_is_of_type(params, G_VARIANT_TYPE("(us)"))) return;
            const gchar* key = nullptr;
            g_variant_get(params, "(u&s)", &id, &key);
            std::lock_guard lock(mutex_);
            auto it = shown_.find(id);
            if (it == shown_.end()) return;  // another program's notification
            notification = it->second;
            std::string k = key ? key : "";
            if (k == "default") {
                choice = {{"action", "open"}};
            } else if (k.size() > 1 && k[0] == 'a') {
                size_t i = std::strtoul(k.c_str() + 1, nullptr, 10);
                const auto& acts = notification["actions"];
                if (!acts.is_array() || i >= acts.size()) return;
                choice = acts[i];
            } else {
                return;
            }
        } else if (signal == "NotificationClosed") {
            if (!g_variant_is_of_type(params, G_VARIANT_TYPE("(uu)"))) return;
            guint32 reason = 0;
            g_variant_get(params, "(uu)", &id, &reason);
            std::lock_guard lock(mutex_);
            shown_.erase(id);
            return;
        } else {
            return;
        }
        if (on_choice_) {
            try {
                on_choice_(notification, choice);
            } catch (const std::exception& e) {
                log::error("notify", "acting on a notification failed: {}", e.what());
            }
        }
    }

    NotificationChoiceHandler on_choice_;
    std::mutex mutex_;
    std::map<guint32, json> shown_;  // what we showed, until the desktop says it closed
    BusThread bus_;                  // last: its thread stops before what it reads goes away
};

}  // namespace

std::shared_ptr<Notifier> makeDesktopNotifier(NotificationChoiceHandler onChoice) {
    auto notifier = std::make_shared<DbusNotifier>(std::move(onChoice));
    if (!notifier->open()) return nullptr;
    return notifier;
}

}  // namespace certagent::platform
