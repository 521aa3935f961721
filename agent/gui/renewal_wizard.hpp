#pragma once
// The renewal wizard: a window over ui::RenewalTracker. Closing it loses nothing: the state is
// in core (and in the renewal plugin's journal), so reopening shows the same steps.
//
// What it sends (UserAction events, events.hpp), for the renewal engine to act on:
//   {action: "renew", token, cert, args: {years, id_document}}       Start
//   {action: "renewal.sign_declaration", renewal_id, token, cert}     after the declaration was shown
//   {action: "renewal.retry", renewal_id, token, cert}                after a failure
//   {action: "renewal.check", renewal_id, token, cert}                "check now" while waiting
//   {action: "renewal.resume", renewal_id, token, cert}               an interrupted renewal
//   {action: "renewal.open_payment", renewal_id, token, cert}         the payment page opened
// Controls carry names (wxWindow::SetName: "id-document", "years-2", "start", "sign-declaration",
// ...) that the layout dump (gui_ids.hpp) reports, so tests click them where a person would.
// What it shows: RenewalProgress (events.hpp), folded by ui::RenewalTracker by its "stage".
#include <wx/frame.h>

#include <string>
#include <vector>

#include "certagent/core/ui/renewal_view.hpp"
#include "certagent/core/ui/tray_model.hpp"

class wxStaticText;
class wxGauge;
class wxButton;
class wxRadioButton;
class wxFilePickerCtrl;
class wxPanel;

namespace certagent::gui {

class TrayApp;

class RenewalWizard : public wxFrame {
public:
    RenewalWizard(TrayApp& app, const ui::CertView& cert);
    // Shows this certificate (the wizard is reused for another one).
    void setCertificate(const ui::CertView& cert, const std::string& renewalId);
    // Re-reads the tracker (called on every RenewalProgress event).
    void update();
    const std::string& token() const { return cert_.tokenSerial; }
    const std::string& cert() const { return cert_.idHex; }

private:
    void buildStartPanel();
    void buildProgressPanel();
    void publish(const std::string& action, nlohmann::json args = nlohmann::json::object());
    void start();

    TrayApp& app_;
    ui::CertView cert_;
    std::string renewal_id_;
    bool declaration_shown_ = false;
    wxStaticText* heading_ = nullptr;
    wxPanel* start_ = nullptr;
    std::vector<wxRadioButton*> years_;
    wxFilePickerCtrl* id_document_ = nullptr;
    wxPanel* progress_ = nullptr;
    std::vector<wxStaticText*> step_marks_;
    std::vector<wxStaticText*> step_titles_;
    std::vector<wxStaticText*> step_states_;
    wxGauge* gauge_ = nullptr;
    wxStaticText* message_ = nullptr;
    wxStaticText* next_steps_ = nullptr;
    wxButton* show_declaration_ = nullptr;
    wxButton* sign_declaration_ = nullptr;
    wxButton* pay_ = nullptr;
    wxButton* retry_ = nullptr;
    wxButton* check_ = nullptr;
    wxButton* continue_ = nullptr;
};

}  // namespace certagent::gui
