#pragma once
// The tray icon as a StatusNotifierItem (the freedesktop/KDE protocol that KDE Plasma, GNOME's
// AppIndicator extension, waybar, … show, on Wayland too), with its menu exported over
// com.canonical.dbusmenu. Linux: GDBus on a private session-bus connection served by a thread
// of its own (like desktop_notifier.cpp). What the item and its menu say is decided in core
// (certagent/core/ui/status_notifier_model.hpp); this only speaks the protocol.
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "certagent/core/ui/menu_model.hpp"
#include "certagent/core/ui/tray_model.hpp"

namespace certagent::platform {

// One size of the icon: ARGB32 pixels in network byte order, row by row (the protocol's
// IconPixmap), for hosts that do not find the icon by name in their theme.
struct IconPixmap {
    std::int32_t width = 0;
    std::int32_t height = 0;
    std::vector<std::uint8_t> argb;
    bool operator==(const IconPixmap&) const = default;
};

// Called on the item's own thread when the person chooses a menu item: that item's action
// (ui::MenuItem::action). The tray hands it to its main thread.
using MenuActionHandler = std::function<void(const nlohmann::json& action)>;

class StatusNotifierItem {
public:
    virtual ~StatusNotifierItem() = default;
    // Any thread. Updates status, icon, tooltip and menu; hosts are told only about what changed.
    virtual void show(const ui::TrayPresentation& presentation, const ui::MenuModel& menu,
                      std::vector<IconPixmap> pixmaps) = 0;
};

// Registers an item with the session's StatusNotifierWatcher. nullptr when there is no session
// bus, no watcher, or no host registered with it (nothing would show the item): the caller then
// uses the XEmbed tray. `iconThemePath`: a folder with hicolor/*/status/certagent-*.png, or "".
std::unique_ptr<StatusNotifierItem> makeStatusNotifierItem(MenuActionHandler onAction,
                                                           std::string iconThemePath);

}  // namespace certagent::platform
