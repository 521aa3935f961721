#pragma once
#include <wx/taskbar.h>

#include "certagent/core/ui/tray_model.hpp"

namespace certagent::gui {

class TrayApp;

// The icon in the notification area: state icon, tooltip, and the menu from the core model.
class TrayIcon : public wxTaskBarIcon {
public:
    explicit TrayIcon(TrayApp& app);
    void show(const ui::TrayPresentation& p);

protected:
    wxMenu* CreatePopupMenu() override;

private:
    TrayApp& app_;
};

}  // namespace certagent::gui
