#include "bus_thread.hpp"

namespace certagent::platform {

std::string takeMessage(GError*& error) {
    std::string message = error ? error->message : "?";
    g_clear_error(&error);
    return message;
}

BusThread::BusThread() : context_(g_main_context_new()) {}

BusThread::~BusThread() {
    if (loop_) {
        g_main_loop_quit(loop_);
        // The loop may not run yet: quit again from inside it.
        g_main_context_invoke(context_, [](gpointer loop) -> gboolean {
            g_main_loop_quit(static_cast<GMainLoop*>(loop));
            return G_SOURCE_REMOVE;
        }, loop_);
    }
    if (thread_.joinable()) thread_.join();
    if (connection_) {
        for (auto id : subscriptions_) g_dbus_connection_signal_unsubscribe(connection_, id);
        for (auto id : objects_) g_dbus_connection_unregister_object(connection_, id);
        // Closing drops the names we own: a watcher sees them go.
        g_dbus_connection_close_sync(connection_, nullptr, nullptr);
        g_object_unref(connection_);
    }
    if (loop_) g_main_loop_unref(loop_);
    g_main_context_unref(context_);
}

bool BusThread::connect(const char* address, std::string& why) {
    GError* error = nullptr;
    connection_ = g_dbus_connection_new_for_address_sync(
        address,
        static_cast<GDBusConnectionFlags>(G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                          G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION),
        nullptr, nullptr, &error);
    if (!connection_) {
        why = takeMessage(error);
        return false;
    }
    g_dbus_connection_set_exit_on_close(connection_, FALSE);
    return true;
}

guint BusThread::subscribe(const char* sender, const char* iface, const char* member,
                           const char* path, const char* arg0, GDBusSignalCallback callback,
                           gpointer user) {
    guint id =
        g_dbus_connection_signal_subscribe(connection_, sender, iface, member, path, arg0,
                                           G_DBUS_SIGNAL_FLAGS_NONE, callback, user, nullptr);
    subscriptions_.push_back(id);
    return id;
}

guint BusThread::exportObject(const char* path, GDBusInterfaceInfo* iface,
                              const GDBusInterfaceVTable* vtable, gpointer user, std::string& why) {
    GError* error = nullptr;
    guint id = g_dbus_connection_register_object(connection_, path, iface, vtable, user, nullptr,
                                                 &error);
    if (!id) {
        why = takeMessage(error);
        return 0;
    }
    objects_.push_back(id);
    return id;
}

void BusThread::start() {
    loop_ = g_main_loop_new(context_, FALSE);
    thread_ = std::thread([this] {
        g_main_context_push_thread_default(context_);
        g_main_loop_run(loop_);
        g_main_context_pop_thread_default(context_);
    });
}

}  // namespace certagent::platform
