#include "fallback_window.hpp"

#include <wx/button.h>
#include <wx/panel.h>
#include <wx/sizer.h>

#include "certagent/core/i18n.hpp"
#include "state_icons.hpp"
#include "tray_app.hpp"

namespace certagent::gui {

FallbackWindow::FallbackWindow(TrayApp& app)
    : wxFrame(nullptr, wxID_ANY, "certagent", wxDefaultPosition, wxDefaultSize,
              wxDEFAULT_FRAME_STYLE & ~wxMAXIMIZE_BOX),
      app_(app) {
    auto* panel = new wxPanel(this);
    auto* sizer = new wxBoxSizer(wxVERTICAL);
    auto* note = new wxStaticText(
        panel, wxID_ANY,
        wxString::FromUTF8(_("This desktop has no system tray, so certagent shows this small "
                             "window instead. Closing it only minimises it.")));
    note->Wrap(FromDIP(360));
    status_ = new wxStaticText(panel, wxID_ANY, "");
    auto* menuButton = new wxButton(panel, wxID_ANY, wxString::FromUTF8(_("Menu")));
    menuButton->Bind(wxEVT_BUTTON, [this, menuButton](wxCommandEvent&) {
        std::unique_ptr<wxMenu> menu(app_.createMenu());
        menuButton->PopupMenu(menu.get(), 0, menuButton->GetSize().y);
    });
    sizer->Add(note, 0, wxALL, FromDIP(10));
    sizer->Add(status_, 0, wxLEFT | wxRIGHT | wxBOTTOM, FromDIP(10));
    sizer->Add(menuButton, 0, wxALL, FromDIP(10));
    panel->SetSizer(sizer);
    auto* frameSizer = new wxBoxSizer(wxVERTICAL);
    frameSizer->Add(panel, 1, wxEXPAND);
    SetSizerAndFit(frameSizer);
    Bind(wxEVT_CLOSE_WINDOW, [this](wxCloseEvent& e) {
        if (e.CanVeto()) {
            e.Veto();
            Iconize(true);
        } else {
            Destroy();
        }
    });
}

void FallbackWindow::show(const ui::TrayPresentation& p) {
    SetIcon(stateIcon(p.state, 32));
    status_->SetLabel(wxString::FromUTF8(p.tooltip));
    Layout();
    GetSizer()->SetSizeHints(this);
}

}  // namespace certagent::gui
