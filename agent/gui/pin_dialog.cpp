#include "pin_dialog.hpp"
#include "secret_field.hpp"
#include "wx_text.hpp"

#include <wx/button.h>
#include <wx/checkbox.h>
#include <wx/sizer.h>
#include <wx/stattext.h>
#include <wx/textctrl.h>

#include "certagent/core/i18n.hpp"

namespace certagent::gui {

PinDialog::PinDialog(wxWindow* parent, const ui::PinPolicy& policy)
    : wxDialog(parent, wxID_ANY, u8(_("Token PIN")), wxDefaultPosition, wxDefaultSize,
               wxDEFAULT_DIALOG_STYLE | wxSTAY_ON_TOP),
      policy_(policy) {
    auto* sizer = new wxBoxSizer(wxVERTICAL);
    const int gap = FromDIP(10);
    auto* prompt = new wxStaticText(this, wxID_ANY, u8(ui::pinPrompt(policy)));
    sizer->Add(prompt, 0, wxALL, gap);
    if (auto hint = ui::pinLengthHint(policy); !hint.empty())
        sizer->Add(new wxStaticText(this, wxID_ANY, u8(hint)), 0, wxLEFT | wxRIGHT, gap);
    if (auto warning = ui::pinWarning(policy); !warning.empty()) {
        auto* w = new wxStaticText(this, wxID_ANY, u8(warning));
        w->SetForegroundColour(wxColour(180, 30, 30));
        w->SetFont(w->GetFont().Bold());
        w->Wrap(FromDIP(340));
        sizer->Add(w, 0, wxALL, gap);
    }
    // wxTE_PASSWORD masks; nothing is ever put into it by the program.
    pin_ = new wxTextCtrl(this, wxID_ANY, wxString(), wxDefaultPosition,
                          wxSize(FromDIP(260), -1), wxTE_PASSWORD | wxTE_PROCESS_ENTER);
    if (policy.maxLength) pin_->SetMaxLength(policy.maxLength);
    sizer->Add(pin_, 0, wxEXPAND | wxALL, gap);
    if (ui::needsFinalTryConfirmation(policy)) {
        confirm_ = new wxCheckBox(this, wxID_ANY,
                                  u8(_("I understand that a wrong PIN now locks the token")));
        sizer->Add(confirm_, 0, wxLEFT | wxRIGHT | wxBOTTOM, gap);
        confirm_->Bind(wxEVT_CHECKBOX, [this](wxCommandEvent&) { revalidate(); });
    }
    problem_ = new wxStaticText(this, wxID_ANY, "");
    sizer->Add(problem_, 0, wxLEFT | wxRIGHT, gap);
    auto* buttons = CreateStdDialogButtonSizer(wxOK | wxCANCEL);
    sizer->Add(buttons, 0, wxEXPAND | wxALL, gap);
    ok_ = static_cast<wxButton*>(FindWindow(wxID_OK));
    SetSizerAndFit(sizer);
    pin_->Bind(wxEVT_TEXT, [this](wxCommandEvent&) { revalidate(); });
    pin_->Bind(wxEVT_TEXT_ENTER, [this](wxCommandEvent&) {
        if (ok_->IsEnabled()) EndModal(wxID_OK);
    });
    revalidate();
    pin_->SetFocus();
    CentreOnScreen();
}

PinDialog::~PinDialog() { scrub(pin_); }

void PinDialog::revalidate() {
    auto problem = ui::checkPin(policy_, typedSecret(pin_).reveal(),
                                confirm_ && confirm_->IsChecked());
    ok_->Enable(problem == ui::PinProblem::None);
    // An empty field needs no scolding; the other problems say what to fix.
    problem_->SetLabel(problem == ui::PinProblem::Empty
                           ? wxString()
                           : u8(ui::pinProblemText(policy_, problem)));
}

std::optional<SecretString> PinDialog::takePin() {
    SecretString pin = typedSecret(pin_);
    scrub(pin_);
    if (pin.empty()) return std::nullopt;
    return pin;
}

}  // namespace certagent::gui
