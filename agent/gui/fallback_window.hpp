#pragma once
#include <wx/frame.h>
#include <wx/stattext.h>

#include "certagent/core/ui/tray_model.hpp"

namespace certagent::gui {

class TrayApp;

// Shown when the desktop has no notification area: the same state, tooltip and menu in a
// small window, which says why it is there. Closing it minimises it; Quit is in the menu.
class FallbackWindow : public wxFrame {
public:
    explicit FallbackWindow(TrayApp& app);
    void show(const ui::TrayPresentation& p);

private:
    TrayApp& app_;
    wxStaticText* status_;
};

}  // namespace certagent::gui
