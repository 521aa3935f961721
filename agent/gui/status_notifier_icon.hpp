#pragma once
// The tray icon as a StatusNotifierItem (agent/platform/status_notifier.hpp), used when the
// session bus has a StatusNotifierWatcher with a host: KDE Plasma, GNOME with the AppIndicator
// extension, and Wayland desktops where the XEmbed icon (TrayIcon) cannot show. Same state, icon,
// tooltip and menu model; a chosen item runs TrayApp::runAction on the main thread.
#include <map>
#include <memory>
#include <vector>

#include "certagent/core/ui/menu_model.hpp"
#include "certagent/core/ui/tray_model.hpp"
#include "status_notifier.hpp"

namespace certagent::gui {

class TrayApp;

class StatusNotifierIcon {
public:
    // nullptr when no StatusNotifierWatcher with a host is on the session bus.
    static std::unique_ptr<StatusNotifierIcon> create(TrayApp& app);
    void show(const ui::TrayPresentation& p, const ui::MenuModel& menu);

private:
    explicit StatusNotifierIcon(std::unique_ptr<platform::StatusNotifierItem> item);
    const std::vector<platform::IconPixmap>& pixmaps(ui::TrayState state);

    std::unique_ptr<platform::StatusNotifierItem> item_;
    std::map<ui::TrayState, std::vector<platform::IconPixmap>> pixmaps_;  // drawn once per state
};

}  // namespace certagent::gui
