#pragma once
// A private GDBus connection to the session bus, served by a thread of its own with its own main
// context: the desktop notifier and the StatusNotifierItem answer the bus whatever the GUI thread
// (or the daemon, which has no main loop) is doing.
#include <gio/gio.h>

#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace certagent::platform {

class BusThread {
public:
    BusThread();
    // Stops the thread, then drops the subscriptions and exported objects and closes the
    // connection (which gives up any name it owned).
    ~BusThread();
    BusThread(const BusThread&) = delete;
    BusThread& operator=(const BusThread&) = delete;

    // Connects to the message bus at `address`. false: why in `why`.
    bool connect(const char* address, std::string& why);
    GDBusConnection* connection() const { return connection_; }

    // Runs `f` with the bus context as the thread default: GDBus dispatches the signals subscribed
    // and the method calls of objects exported inside `f` on the bus thread.
    template <class F>
    decltype(auto) inBusContext(F&& f) {
        struct Pushed {
            GMainContext* context;
            explicit Pushed(GMainContext* c) : context(c) { g_main_context_push_thread_default(c); }
            ~Pushed() { g_main_context_pop_thread_default(context); }
            Pushed(const Pushed&) = delete;
            Pushed& operator=(const Pushed&) = delete;
        } pushed(context_);
        return std::forward<F>(f)();
    }

    // A signal subscription, dropped with the connection. Subscribe inside inBusContext().
    guint subscribe(const char* sender, const char* iface, const char* member, const char* path,
                    const char* arg0, GDBusSignalCallback callback, gpointer user);
    // An exported object, unregistered with the connection. Export inside inBusContext().
    // 0: not exported, why in `why`.
    guint exportObject(const char* path, GDBusInterfaceInfo* iface,
                       const GDBusInterfaceVTable* vtable, gpointer user, std::string& why);

    // From here on the bus thread dispatches what was subscribed and exported.
    void start();

private:
    GMainContext* context_;
    GMainLoop* loop_ = nullptr;
    GDBusConnection* connection_ = nullptr;
    std::vector<guint> subscriptions_;
    std::vector<guint> objects_;
    std::thread thread_;
};

// A GError's message for the log, "?" when there is none; clears the error.
std::string takeMessage(GError*& error);

}  // namespace certagent::platform
