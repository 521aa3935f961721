// Desktop notifications with actions come from the tray app's wxNotificationMessage on this
// OS (agent/gui/wx_notifier.cpp); the headless daemon writes to its log and the console.
#include "desktop_notifier.hpp"

namespace certagent::platform {

std::shared_ptr<Notifier> makeDesktopNotifier(NotificationChoiceHandler) { return nullptr; }

}  // namespace certagent::platform
