#pragma once
// Desktop notifications with actions, for the tray app and for a daemon started in a desktop
// session. Linux: org.freedesktop.Notifications over D-Bus (GDBus, on its own thread), with a
// default action (a click on the notification) and one button per action. Windows and macOS
// use the tray app's wxNotificationMessage instead (agent/gui/wx_notifier.cpp).
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>

#include "certagent/core/host_services.hpp"

namespace certagent::platform {

// Called on the notifier's own thread when the person acts on a notification:
// (the notification as given to notify(), {"action": <the action's "action">, "args": ...}) or
// {"action": "open"} for a click on the notification itself.
using NotificationChoiceHandler =
    std::function<void(const nlohmann::json& notification, const nlohmann::json& choice)>;

// nullptr when there is no session bus or no notification service on it (then the caller falls
// back: the console for the daemon, wx for the tray).
std::shared_ptr<Notifier> makeDesktopNotifier(NotificationChoiceHandler onChoice);

}  // namespace certagent::platform
