#include "pin_task_dialog.hpp"
#include "secret_field.hpp"
#include "wx_text.hpp"

#include <fmt/format.h>
#include <wx/button.h>
#include <wx/checkbox.h>
#include <wx/sizer.h>
#include <wx/stattext.h>
#include <wx/textctrl.h>

#include "certagent/core/i18n.hpp"

namespace certagent::gui {

wxTextCtrl* PinTaskDialog::labelledField(wxSizer* sizer, const std::string& label,
                                         const char* name, unsigned maxLength, int gap) {
    auto* text = new wxStaticText(this, wxID_ANY, u8(label));
    text->SetName(wxString(name) + "_label");
    sizer->Add(text, 0, wxLEFT | wxRIGHT | wxTOP, gap);
    auto* field = secretField(maxLength);
    field->SetName(name);
    sizer->Add(field, 0, wxEXPAND | wxLEFT | wxRIGHT, gap);
    return field;
}

PinTaskDialog::PinTaskDialog(wxWindow* parent, const ui::PinTaskPolicy& policy)
    : PinEntryDialog(parent, u8(policy.task == ui::PinTask::Change ? _("Change the PIN")
                                                                    : _("Unblock the PIN"))),
      policy_(policy) {
    SetName(policy.task == ui::PinTask::Change ? "pin_change_dialog" : "pin_unblock_dialog");
    auto* sizer = new wxBoxSizer(wxVERTICAL);
    const int gap = FromDIP(10);
    auto* title = new wxStaticText(this, wxID_ANY, u8(ui::pinTaskTitle(policy)));
    title->SetName("pin_task_title");
    title->SetFont(title->GetFont().Bold());
    sizer->Add(title, 0, wxALL, gap);
    if (auto warning = ui::pinTaskWarning(policy); !warning.empty()) {
        auto* w = new wxStaticText(this, wxID_ANY, u8(warning));
        w->SetName("pin_task_warning");
        w->SetForegroundColour(wxColour(180, 30, 30));
        w->Wrap(FromDIP(360));
        sizer->Add(w, 0, wxLEFT | wxRIGHT | wxBOTTOM, gap);
    }
    if (policy.pinPad) {
        auto* pad = new wxStaticText(this, wxID_ANY,
                                     u8(_("The token has its own PIN pad: after OK, follow the "
                                          "instructions on it.")));
        pad->SetName("pin_task_pad");
        sizer->Add(pad, 0, wxALL, gap);
    } else {
        const unsigned max = policy.newPin.maxLength;
        secret_ = labelledField(sizer, ui::pinTaskSecretLabel(policy), "pin_task_secret",
                                policy.task == ui::PinTask::Change ? max : 0, gap);
        new_ = labelledField(sizer, _("New PIN"), "pin_task_new", max, gap);
        repeat_ = labelledField(sizer, _("New PIN again"), "pin_task_repeat", max, gap);
        if (auto hint = ui::pinLengthHint(policy.newPin); !hint.empty()) {
            auto* h = new wxStaticText(this, wxID_ANY, u8(hint));
            h->SetName("pin_task_rules");
            sizer->Add(h, 0, wxLEFT | wxRIGHT | wxTOP, gap);
        }
    }
    if (ui::pinTaskNeedsFinalTryConfirmation(policy)) {
        auto label = fmt::format(fmt::runtime(_("I understand that a wrong {0} now blocks it")),
                                 ui::pinTaskSecretLabel(policy));
        addConfirmation(sizer, u8(label), wxALL, gap)->SetName("pin_task_confirm");
    }
    addProblemAndButtons(sizer, wxLEFT | wxRIGHT | wxTOP, gap);
    problem_->SetName("pin_task_problem");
    ok_->SetName("ok");
    if (auto* cancel = FindWindow(wxID_CANCEL)) cancel->SetName("cancel");
    SetSizerAndFit(sizer);
    revalidate();
    if (secret_) secret_->SetFocus();
    CentreOnScreen();
}

PinTaskDialog::~PinTaskDialog() {
    scrub(secret_);
    scrub(new_);
    scrub(repeat_);
}

void PinTaskDialog::revalidate() {
    SecretString secret = secret_ ? typedSecret(secret_) : SecretString();
    SecretString fresh = new_ ? typedSecret(new_) : SecretString();
    SecretString repeat = repeat_ ? typedSecret(repeat_) : SecretString();
    auto problem = ui::checkPinTask(policy_, secret.reveal(), fresh.reveal(), repeat.reveal(),
                                    confirmed());
    // Empty fields need no scolding; the other problems say what to fix.
    const bool quiet = problem == ui::PinTaskProblem::SecretEmpty ||
                       problem == ui::PinTaskProblem::NewPinEmpty ||
                       (problem == ui::PinTaskProblem::Mismatch && repeat.empty());
    showProblem(problem == ui::PinTaskProblem::None,
                quiet ? wxString() : u8(ui::pinTaskProblemText(policy_, problem)));
    problem_->Wrap(FromDIP(360));
    Layout();
    Fit();
}

PinTaskDialog::Entered PinTaskDialog::take() {
    Entered e;
    if (secret_) e.secret = typedSecret(secret_);
    if (new_) e.newPin = typedSecret(new_);
    e.finalTryConfirmed = confirmed();
    scrub(secret_);
    scrub(new_);
    scrub(repeat_);
    return e;
}

}  // namespace certagent::gui
