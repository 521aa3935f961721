#pragma once
// Notifications on the desktop (wxNotificationMessage: libnotify on Linux, toasts on Windows,
// Notification Center on macOS), with the reminder's buttons where the desktop supports
// actions and a click on the notification otherwise.
#include <nlohmann/json.hpp>

#include "certagent/core/host_services.hpp"

namespace certagent::gui {

class TrayApp;

class WxNotifier final : public Notifier {
public:
    explicit WxNotifier(TrayApp& app) : app_(app) {}
    // Any thread; shown on the main thread. Returns false when the desktop refused it.
    bool notify(const nlohmann::json& notification) override;

private:
    bool show(const nlohmann::json& notification);
    TrayApp& app_;
};

}  // namespace certagent::gui
