#include "tray_icon.hpp"

#include <memory>

#include "state_icons.hpp"
#include "tray_app.hpp"

namespace certagent::gui {

TrayIcon::TrayIcon(TrayApp& app) : app_(app) {
    // A left click opens the menu too: most people click, and there is no window to show.
    Bind(wxEVT_TASKBAR_LEFT_DOWN, [this](wxTaskBarIconEvent&) {
        std::unique_ptr<wxMenu> menu(app_.createMenu());
        PopupMenu(menu.get());
    });
}

void TrayIcon::show(const ui::TrayPresentation& p) {
    SetIcon(wxBitmapBundle::FromBitmaps(stateBitmap(p.state, 22), stateBitmap(p.state, 44)),
            wxString::FromUTF8(p.tooltip));
}

wxMenu* TrayIcon::CreatePopupMenu() { return app_.createMenu(); }

}  // namespace certagent::gui
