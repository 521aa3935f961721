// org.kde.StatusNotifierItem (freedesktop StatusNotifierItem specification, protocol version 0)
// with its menu as com.canonical.dbusmenu (version 3), over a private GDBus connection served
// by a thread of its own: hosts get answers whatever the GUI thread is doing, and no toolkit
// object is involved. The item owns "org.kde.StatusNotifierItem-<pid>-1" and registers that
// name with the watcher; when the watcher restarts (a desktop shell restart), it registers again.
#include "status_notifier.hpp"

#include <gio/gio.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>

#include "bus_thread.hpp"
#include "certagent/core/log.hpp"
#include "certagent/core/ui/status_notifier_model.hpp"

namespace certagent::platform {
namespace {

using json = nlohmann::json;
// An object on the bus: its path and the interface it speaks.
struct BusObject {
    const char* path;
    const char* interface;
};
constexpr const char* kWatcherName = "org.kde.StatusNotifierWatcher";  // its interface's name
constexpr BusObject kWatcher{"/StatusNotifierWatcher", kWatcherName};
constexpr BusObject kItem{"/StatusNotifierItem", "org.kde.StatusNotifierItem"};
constexpr BusObject kMenu{"/MenuBar", "com.canonical.dbusmenu"};

constexpr const char* kIntrospection = R"xml(<node>
  <interface name="org.kde.StatusNotifierItem">
    <property name="Category" type="s" access="read"/>
    <property name="Id" type="s" access="read"/>
    <property name="Title" type="s" access="read"/>
    <property name="Status" type="s" access="read"/>
    <property name="WindowId" type="i" access="read"/>
    <property name="IconThemePath" type="s" access="read"/>
    <property name="Menu" type="o" access="read"/>
    <property name="ItemIsMenu" type="b" access="read"/>
    <property name="IconName" type="s" access="read"/>
    <property name="IconPixmap" type="a(iiay)" access="read"/>
    <property name="OverlayIconName" type="s" access="read"/>
    <property name="OverlayIconPixmap" type="a(iiay)" access="read"/>
    <property name="AttentionIconName" type="s" access="read"/>
    <property name="AttentionIconPixmap" type="a(iiay)" access="read"/>
    <property name="AttentionMovieName" type="s" access="read"/>
    <property name="ToolTip" type="(sa(iiay)ss)" access="read"/>
    <method name="ContextMenu">
      <arg name="x" type="i" direction="in"/><arg name="y" type="i" direction="in"/>
    </method>
    <method name="Activate">
      <arg name="x" type="i" direction="in"/><arg name="y" type="i" direction="in"/>
    </method>
    <method name="SecondaryActivate">
      <arg name="x" type="i" direction="in"/><arg name="y" type="i" direction="in"/>
    </method>
    <method name="Scroll">
      <arg name="delta" type="i" direction="in"/>
      <arg name="orientation" type="s" direction="in"/>
    </method>
    <signal name="NewTitle"/>
    <signal name="NewIcon"/>
    <signal name="NewAttentionIcon"/>
    <signal name="NewOverlayIcon"/>
    <signal name="NewToolTip"/>
    <signal name="NewStatus"><arg name="status" type="s"/></signal>
  </interface>
  <interface name="com.canonical.dbusmenu">
    <property name="Version" type="u" access="read"/>
    <property name="TextDirection" type="s" access="read"/>
    <property name="Status" type="s" access="read"/>
    <property name="IconThemePath" type="as" access="read"/>
    <method name="GetLayout">
      <arg name="parentId" type="i" direction="in"/>
      <arg name="recursionDepth" type="i" direction="in"/>
      <arg name="propertyNames" type="as" direction="in"/>
      <arg name="revision" type="u" direction="out"/>
      <arg name="layout" type="(ia{sv}av)" direction="out"/>
    </method>
    <method name="GetGroupProperties">
      <arg name="ids" type="ai" direction="in"/>
      <arg name="propertyNames" type="as" direction="in"/>
      <arg name="properties" type="a(ia{sv})" direction="out"/>
    </method>
    <method name="GetProperty">
      <arg name="id" type="i" direction="in"/>
      <arg name="name" type="s" direction="in"/>
      <arg name="value" type="v" direction="out"/>
    </method>
    <method name="Event">
      <arg name="id" type="i" direction="in"/>
      <arg name="eventId" type="s" direction="in"/>
      <arg name="data" type="v" direction="in"/>
      <arg name="timestamp" type="u" direction="in"/>
    </method>
    <method name="EventGroup">
      <arg name="events" type="a(isvu)" direction="in"/>
      <arg name="idErrors" type="ai" direction="out"/>
    </method>
    <method name="AboutToShow">
      <arg name="id" type="i" direction="in"/>
      <arg name="needUpdate" type="b" direction="out"/>
    </method>
    <method name="AboutToShowGroup">
      <arg name="ids" type="ai" direction="in"/>
      <arg name="updatesNeeded" type="ai" direction="out"/>
      <arg name="idErrors" type="ai" direction="out"/>
    </method>
    <signal name="ItemsPropertiesUpdated">
      <arg name="updatedProps" type="a(ia{sv})"/>
      <arg name="removedProps" type="a(ias)"/>
    </signal>
    <signal name="LayoutUpdated">
      <arg name="revision" type="u"/>
      <arg name="parent" type="i"/>
    </signal>
    <signal name="ItemActivationRequested">
      <arg name="id" type="i"/>
      <arg name="timestamp" type="u"/>
    </signal>
  </interface>
</node>)xml";

// The session bus as the environment names it. Not GIO's autolaunch: a tray without a session
// bus must not start a dbus-daemon of its own to find no watcher on it.
std::string sessionBusAddress() {
    if (const char* a = std::getenv("DBUS_SESSION_BUS_ADDRESS"); a && *a) return a;
    if (const char* r = std::getenv("XDG_RUNTIME_DIR"); r && *r) {
        std::error_code ec;
        auto bus = std::filesystem::path(r) / "bus";
        if (std::filesystem::exists(bus, ec)) return "unix:path=" + bus.string();
    }
    return {};
}

GVariant* menuValue(const ui::DbusMenuValue& v) {
    if (auto* b = std::get_if<bool>(&v)) return g_variant_new_boolean(*b);
    if (auto* i = std::get_if<std::int32_t>(&v)) return g_variant_new_int32(*i);
    return g_variant_new_string(std::get<std::string>(v).c_str());
}

GVariant* propertiesVariant(const ui::DbusMenuNode& n) {
    GVariantBuilder props;
    g_variant_builder_init(&props, G_VARIANT_TYPE("a{sv}"));
    for (const auto& [key, value] : n.properties)
        g_variant_builder_add(&props, "{sv}", key.c_str(), menuValue(value));
    return g_variant_builder_end(&props);
}

GVariant* nodeVariant(const ui::DbusMenuNode& n) {
    GVariantBuilder children;
    g_variant_builder_init(&children, G_VARIANT_TYPE("av"));
    for (const auto& c : n.children) g_variant_builder_add(&children, "v", nodeVariant(c));
    return g_variant_new("(i@a{sv}av)", n.id, propertiesVariant(n), &children);
}

GVariant* pixmapsVariant(const std::vector<IconPixmap>& pixmaps) {
    GVariantBuilder b;
    g_variant_builder_init(&b, G_VARIANT_TYPE("a(iiay)"));
    for (const auto& p : pixmaps)
        g_variant_builder_add(&b, "(ii@ay)", p.width, p.height,
                              g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, p.argb.data(),
                                                        p.argb.size(), 1));
    return g_variant_builder_end(&b);
}

std::vector<std::string> strings(GVariant* as) {
    std::vector<std::string> out;
    GVariantIter it;
    const gchar* s = nullptr;
    g_variant_iter_init(&it, as);
    while (g_variant_iter_next(&it, "&s", &s)) out.emplace_back(s);
    return out;
}

class GdbusStatusNotifier final : public StatusNotifierItem {
public:
    GdbusStatusNotifier(MenuActionHandler onAction, std::string iconThemePath)
        : on_action_(std::move(onAction)), icon_theme_path_(std::move(iconThemePath)) {}

    bool open() {
        auto address = sessionBusAddress();
        if (address.empty()) return false;
        std::string why;
        if (!bus_.connect(address.c_str(), why)) {
            log::info("tray", "no StatusNotifierItem: cannot connect to the session bus: {}", why);
            return false;
        }
        if (!watcherWithHost()) return false;
        view_ = ui::statusNotifierView(ui::presentStarting());  // until the first show()

        GError* error = nullptr;
        node_.reset(g_dbus_node_info_new_for_xml(kIntrospection, &error));
        if (!node_) {
            log::error("tray", "StatusNotifierItem introspection: {}", takeMessage(error));
            return false;
        }
        static const GDBusInterfaceVTable vtable = {&GdbusStatusNotifier::onMethod,
                                                    &GdbusStatusNotifier::onGetProperty,
                                                    nullptr, {}};
        bool registered = bus_.inBusContext([&] {
            for (auto [path, iface] : {std::pair{kItem.path, node_->interfaces[0]},
                                       std::pair{kMenu.path, node_->interfaces[1]}}) {
                if (!bus_.exportObject(path, iface, &vtable, this, why)) {
                    log::error("tray", "cannot export {}: {}", path, why);
                    return false;
                }
            }
            bus_.subscribe("org.freedesktop.DBus", "org.freedesktop.DBus", "NameOwnerChanged",
                           "/org/freedesktop/DBus", kWatcherName,
                           &GdbusStatusNotifier::onWatcherOwner, this);
            return true;
        });
        if (!registered || !ownName()) return false;

        bus_.start();
        // The watcher may ask for our properties before it answers: our thread serves them.
        GVariant* reply = g_dbus_connection_call_sync(
            bus_.connection(), kWatcherName, kWatcher.path, kWatcher.interface,
            "RegisterStatusNotifierItem",
            g_variant_new("(s)", name_.c_str()), nullptr, G_DBUS_CALL_FLAGS_NONE, 3000, nullptr,
            &error);
        if (!reply) {
            log::warn("tray", "the StatusNotifierWatcher refused the item: {}", takeMessage(error));
            return false;
        }
        g_variant_unref(reply);
        log::info("tray", "StatusNotifierItem {} registered", name_);
        return true;
    }

    void show(const ui::TrayPresentation& presentation, const ui::MenuModel& menu,
              std::vector<IconPixmap> pixmaps) override {
        auto view = ui::statusNotifierView(presentation);
        bool newIcon = false, newTip = false, newStatus = false, newLayout = false;
        std::uint32_t revision = 0;
        {
            std::lock_guard lock(mutex_);
            newIcon = view.iconName != view_.iconName || pixmaps != pixmaps_;
            newTip = view.tooltipTitle != view_.tooltipTitle ||
                     view.tooltipBody != view_.tooltipBody;
            newStatus = view.status != view_.status;
            view_ = view;
            pixmaps_ = std::move(pixmaps);
            newLayout = menu_.update(menu);
            revision = menu_.revision();
        }
        if (newIcon) {
            emit(kItem, "NewIcon", nullptr);
            emit(kItem, "NewAttentionIcon", nullptr);
        }
        if (newTip) emit(kItem, "NewToolTip", nullptr);
        if (newStatus)
            emit(kItem, "NewStatus", g_variant_new("(s)", view.status.c_str()));
        if (newLayout)
            emit(kMenu, "LayoutUpdated", g_variant_new("(ui)", revision, 0));
    }

private:
    // A watcher alone shows nothing: some desktop must have registered as host with it.
    bool watcherWithHost() {
        GError* error = nullptr;
        GVariant* reply = g_dbus_connection_call_sync(
            bus_.connection(), kWatcherName, kWatcher.path, "org.freedesktop.DBus.Properties",
            "Get",
            g_variant_new("(ss)", kWatcher.interface, "IsStatusNotifierHostRegistered"),
            G_VARIANT_TYPE("(v)"), G_DBUS_CALL_FLAGS_NO_AUTO_START, 2000, nullptr, &error);
        if (!reply) {
            log::info("tray", "no StatusNotifierWatcher on the session bus: {}",
                      takeMessage(error));
            return false;
        }
        GVariant* value = nullptr;
        g_variant_get(reply, "(v)", &value);
        bool host = g_variant_is_of_type(value, G_VARIANT_TYPE_BOOLEAN) &&
                    g_variant_get_boolean(value);
        g_variant_unref(value);
        g_variant_unref(reply);
        if (!host) log::info("tray", "a StatusNotifierWatcher runs but no host shows its items");
        return host;
    }

    bool ownName() {
        name_ = "org.kde.StatusNotifierItem-" + std::to_string(::getpid()) + "-1";
        GError* error = nullptr;
        GVariant* reply = g_dbus_connection_call_sync(
            bus_.connection(), "org.freedesktop.DBus", "/org/freedesktop/DBus",
            "org.freedesktop.DBus", "RequestName",
            g_variant_new("(su)", name_.c_str(), 4u /* DO_NOT_QUEUE */), G_VARIANT_TYPE("(u)"),
            G_DBUS_CALL_FLAGS_NONE, 2000, nullptr, &error);
        if (!reply) {
            log::warn("tray", "cannot own {}: {}", name_, takeMessage(error));
            return false;
        }
        guint32 result = 0;
        g_variant_get(reply, "(u)", &result);
        g_variant_unref(reply);
        return result == 1;  // primary owner
    }

    void emit(const BusObject& object, const char* signal, GVariant* args) {
        GError* error = nullptr;
        if (!g_dbus_connection_emit_signal(bus_.connection(), nullptr, object.path,
                                           object.interface, signal, args, &error))
            log::debug("tray", "{} not sent: {}", signal, takeMessage(error));
    }

    static void onWatcherOwner(GDBusConnection*, const gchar*, const gchar*, const gchar*,
                               const gchar*, GVariant* params, gpointer self) {
        const gchar *name = nullptr, *before = nullptr, *after = nullptr;
        g_variant_get(params, "(&s&s&s)", &name, &before, &after);
        auto* me = static_cast<GdbusStatusNotifier*>(self);
        if (!after || !*after) {
            log::warn("tray", "the StatusNotifierWatcher left the session bus; the icon "
                              "returns when it does");
            return;
        }
        // Asynchronously: the new watcher may call us back before it answers.
        g_dbus_connection_call(me->bus_.connection(), kWatcherName, kWatcher.path,
                               kWatcher.interface, "RegisterStatusNotifierItem",
                               g_variant_new("(s)", me->name_.c_str()), nullptr,
                               G_DBUS_CALL_FLAGS_NONE, 3000, nullptr, nullptr, nullptr);
        log::info("tray", "registered again with the new StatusNotifierWatcher");
    }

    static GVariant* onGetProperty(GDBusConnection*, const gchar*, const gchar*,
                                   const gchar* iface, const gchar* property, GError**,
                                   gpointer self) {
        auto* me = static_cast<GdbusStatusNotifier*>(self);
        std::lock_guard lock(me->mutex_);
        return std::string(iface) == kItem.interface ? me->itemProperty(property)
                                                    : me->menuProperty(property);
    }

    GVariant* itemProperty(const std::string& p) {
        if (p == "Category") return g_variant_new_string("ApplicationStatus");
        if (p == "Id" || p == "Title") return g_variant_new_string("certagent");
        if (p == "Status") return g_variant_new_string(view_.status.c_str());
        if (p == "WindowId") return g_variant_new_int32(0);
        if (p == "IconThemePath") return g_variant_new_string(icon_theme_path_.c_str());
        if (p == "Menu") return g_variant_new_object_path(kMenu.path);
        // No window to raise: a click shows the menu, as on the XEmbed tray.
        if (p == "ItemIsMenu") return g_variant_new_boolean(TRUE);
        if (p == "IconName" || p == "AttentionIconName")
            return g_variant_new_string(view_.iconName.c_str());
        if (p == "IconPixmap" || p == "AttentionIconPixmap") return pixmapsVariant(pixmaps_);
        if (p == "OverlayIconPixmap") return pixmapsVariant({});
        if (p == "ToolTip")
            return g_variant_new("(s@a(iiay)ss)", view_.iconName.c_str(), pixmapsVariant({}),
                                 view_.tooltipTitle.c_str(), view_.tooltipBody.c_str());
        return g_variant_new_string("");  // OverlayIconName, AttentionMovieName
    }

    GVariant* menuProperty(const std::string& p) {
        if (p == "Version") return g_variant_new_uint32(3);
        if (p == "TextDirection") return g_variant_new_string("ltr");
        if (p == "Status") return g_variant_new_string("normal");
        const gchar* none[] = {nullptr};
        return g_variant_new_strv(none, 0);  // IconThemePath
    }

    static void onMethod(GDBusConnection*, const gchar*, const gchar*, const gchar* iface,
                         const gchar* method, GVariant* params, GDBusMethodInvocation* call,
                         gpointer self) {
        auto* me = static_cast<GdbusStatusNotifier*>(self);
        if (std::string(iface) == kItem.interface) {
            // ItemIsMenu: hosts open the menu themselves; clicks need no answer but a reply.
            g_dbus_method_invocation_return_value(call, nullptr);
            return;
        }
        me->menuMethod(method, params, call);
    }

    void menuMethod(const std::string& method, GVariant* params, GDBusMethodInvocation* call) {
        if (method == "GetLayout") {
            gint32 parent = 0, depth = -1;
            GVariant* names = nullptr;
            g_variant_get(params, "(ii@as)", &parent, &depth, &names);
            auto wanted = strings(names);
            g_variant_unref(names);
            std::optional<ui::DbusMenuNode> node;
            std::uint32_t revision = 0;
            {
                std::lock_guard lock(mutex_);
                node = menu_.layout(parent, depth, wanted);
                revision = menu_.revision();
            }
            if (!node)
                return g_dbus_method_invocation_return_error(
                    call, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS, "no menu item %d", parent);
            g_dbus_method_invocation_return_value(
                call, g_variant_new("(u@(ia{sv}av))", revision, nodeVariant(*node)));
        } else if (method == "GetGroupProperties") {
            GVariant *ids = nullptr, *names = nullptr;
            g_variant_get(params, "(@ai@as)", &ids, &names);
            auto wanted = strings(names);
            GVariantBuilder out;
            g_variant_builder_init(&out, G_VARIANT_TYPE("a(ia{sv})"));
            {
                std::lock_guard lock(mutex_);
                gsize n = 0;
                const auto* list =
                    static_cast<const gint32*>(g_variant_get_fixed_array(ids, &n, sizeof(gint32)));
                for (gsize i = 0; i < n; ++i)
                    if (auto node = menu_.layout(list[i], 0, wanted))
                        g_variant_builder_add(&out, "(i@a{sv})", node->id,
                                              propertiesVariant(*node));
            }
            g_variant_unref(ids);
            g_variant_unref(names);
            g_dbus_method_invocation_return_value(call, g_variant_new("(@a(ia{sv}))",
                                                                      g_variant_builder_end(&out)));
        } else if (method == "GetProperty") {
            gint32 id = 0;
            const gchar* name = nullptr;
            g_variant_get(params, "(i&s)", &id, &name);
            std::optional<ui::DbusMenuValue> value;
            {
                std::lock_guard lock(mutex_);
                if (auto node = menu_.layout(id, 0, {name}); node && !node->properties.empty())
                    value = node->properties.begin()->second;
            }
            if (!value)
                return g_dbus_method_invocation_return_error(
                    call, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS, "no property %s on item %d",
                    name, id);
            g_dbus_method_invocation_return_value(call, g_variant_new("(v)", menuValue(*value)));
        } else if (method == "Event") {
            gint32 id = 0;
            const gchar* event = nullptr;
            GVariant* data = nullptr;
            guint32 timestamp = 0;
            g_variant_get(params, "(i&svu)", &id, &event, &data, &timestamp);
            g_variant_unref(data);
            bool known = onEvent(id, event);
            if (!known)
                return g_dbus_method_invocation_return_error(
                    call, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS, "no menu item %d", id);
            g_dbus_method_invocation_return_value(call, nullptr);
        } else if (method == "EventGroup") {
            GVariantIter* events = nullptr;
            g_variant_get(params, "(a(isvu))", &events);
            GVariantBuilder errors;
            g_variant_builder_init(&errors, G_VARIANT_TYPE("ai"));
            gint32 id = 0;
            const gchar* event = nullptr;
            GVariant* data = nullptr;
            guint32 timestamp = 0;
            while (g_variant_iter_loop(events, "(i&svu)", &id, &event, &data, &timestamp))
                if (!onEvent(id, event)) g_variant_builder_add(&errors, "i", id);
            g_variant_iter_free(events);
            g_dbus_method_invocation_return_value(call, g_variant_new("(ai)", &errors));
        } else if (method == "AboutToShow") {
            g_dbus_method_invocation_return_value(call, g_variant_new("(b)", FALSE));
        } else if (method == "AboutToShowGroup") {
            GVariantBuilder none, errors;
            g_variant_builder_init(&none, G_VARIANT_TYPE("ai"));
            g_variant_builder_init(&errors, G_VARIANT_TYPE("ai"));
            g_dbus_method_invocation_return_value(call, g_variant_new("(aiai)", &none, &errors));
        } else {
            g_dbus_method_invocation_return_error(call, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD,
                                                  "no method %s", method.c_str());
        }
    }

    // false: no such item. Only "clicked" on an enabled action runs anything.
    bool onEvent(gint32 id, const std::string& event) {
        std::optional<json> action;
        {
            std::lock_guard lock(mutex_);
            if (!menu_.find(id)) return false;
            if (event == "clicked") action = menu_.actionFor(id);
        }
        if (action && on_action_) {
            try {
                on_action_(*action);
            } catch (const std::exception& e) {
                log::error("tray", "menu action failed: {}", e.what());
            }
        }
        return true;
    }

    MenuActionHandler on_action_;
    std::string icon_theme_path_;
    std::string name_;
    std::unique_ptr<GDBusNodeInfo, decltype(&g_dbus_node_info_unref)> node_{
        nullptr, &g_dbus_node_info_unref};
    std::mutex mutex_;  // what follows: written by show(), read by the bus thread
    ui::StatusNotifierView view_;
    std::vector<IconPixmap> pixmaps_;
    ui::DbusMenu menu_;
    BusThread bus_;  // last: its thread stops before what it reads goes away
};

}  // namespace

std::unique_ptr<StatusNotifierItem> makeStatusNotifierItem(MenuActionHandler onAction,
                                                           std::string iconThemePath) {
    auto item =
        std::make_unique<GdbusStatusNotifier>(std::move(onAction), std::move(iconThemePath));
    if (!item->open()) return nullptr;
    return item;
}

}  // namespace certagent::platform
