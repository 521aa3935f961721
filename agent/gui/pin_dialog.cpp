#include "pin_dialog.hpp"
#include "secret_field.hpp"
#include "wx_text.hpp"

#include <wx/sizer.h>
#include <wx/stattext.h>
#include <wx/textctrl.h>

#include "certagent/core/i18n.hpp"

namespace certagent::gui {

PinDialog::PinDialog(wxWindow* parent, const ui::PinPolicy& policy)
    : PinEntryDialog(parent, u8(_("Token PIN"))), policy_(policy) {
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
    pin_ = secretField(policy.maxLength);
    sizer->Add(pin_, 0, wxEXPAND | wxALL, gap);
    if (ui::needsFinalTryConfirmation(policy))
        addConfirmation(sizer, u8(_("I understand that a wrong PIN now locks the token")),
                        wxLEFT | wxRIGHT | wxBOTTOM, gap);
    addProblemAndButtons(sizer, wxLEFT | wxRIGHT, gap);
    SetSizerAndFit(sizer);
    revalidate();
    pin_->SetFocus();
    CentreOnScreen();
}

PinDialog::~PinDialog() { scrub(pin_); }

void PinDialog::revalidate() {
    auto problem = ui::checkPin(policy_, typedSecret(pin_).reveal(), confirmed());
    // An empty field needs no scolding; the other problems say what to fix.
    showProblem(problem == ui::PinProblem::None,
                problem == ui::PinProblem::Empty ? wxString()
                                                 : u8(ui::pinProblemText(policy_, problem)));
}

std::optional<SecretString> PinDialog::takePin() {
    SecretString pin = typedSecret(pin_);
    scrub(pin_);
    if (pin.empty()) return std::nullopt;
    return pin;
}

}  // namespace certagent::gui
