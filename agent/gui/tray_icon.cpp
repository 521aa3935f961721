#include "tray_icon.hpp"

#include "state_icons.hpp"
#include "tray_app.hpp"

namespace certagent::gui {

void TrayIcon::show(const ui::TrayPresentation& p) {
    SetIcon(wxBitmapBundle::FromBitmaps(stateBitmap(p.state, 22), stateBitmap(p.state, 44)),
            wxString::FromUTF8(p.tooltip));
}

wxMenu* TrayIcon::CreatePopupMenu() { return app_.createMenu(); }

}  // namespace certagent::gui
