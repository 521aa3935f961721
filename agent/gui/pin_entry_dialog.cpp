#include "pin_entry_dialog.hpp"

#include <wx/button.h>
#include <wx/checkbox.h>
#include <wx/sizer.h>
#include <wx/stattext.h>
#include <wx/textctrl.h>

namespace certagent::gui {

PinEntryDialog::PinEntryDialog(wxWindow* parent, const wxString& title)
    : wxDialog(parent, wxID_ANY, title, wxDefaultPosition, wxDefaultSize,
               wxDEFAULT_DIALOG_STYLE | wxSTAY_ON_TOP) {}

wxTextCtrl* PinEntryDialog::secretField(unsigned maxLength) {
    // wxTE_PASSWORD masks.
    auto* field = new wxTextCtrl(this, wxID_ANY, wxString(), wxDefaultPosition,
                                 wxSize(FromDIP(260), -1), wxTE_PASSWORD | wxTE_PROCESS_ENTER);
    if (maxLength) field->SetMaxLength(maxLength);
    field->Bind(wxEVT_TEXT, [this](wxCommandEvent&) { revalidate(); });
    field->Bind(wxEVT_TEXT_ENTER, [this](wxCommandEvent&) {
        if (ok_->IsEnabled()) EndModal(wxID_OK);
    });
    return field;
}

wxCheckBox* PinEntryDialog::addConfirmation(wxSizer* sizer, const wxString& label, int flags,
                                            int gap) {
    confirm_ = new wxCheckBox(this, wxID_ANY, label);
    sizer->Add(confirm_, 0, flags, gap);
    confirm_->Bind(wxEVT_CHECKBOX, [this](wxCommandEvent&) { revalidate(); });
    return confirm_;
}

void PinEntryDialog::addProblemAndButtons(wxSizer* sizer, int problemFlags, int gap) {
    problem_ = new wxStaticText(this, wxID_ANY, "");
    sizer->Add(problem_, 0, problemFlags, gap);
    sizer->Add(CreateStdDialogButtonSizer(wxOK | wxCANCEL), 0, wxEXPAND | wxALL, gap);
    ok_ = static_cast<wxButton*>(FindWindow(wxID_OK));
}

bool PinEntryDialog::confirmed() const { return confirm_ && confirm_->IsChecked(); }

void PinEntryDialog::showProblem(bool ok, const wxString& problem) {
    ok_->Enable(ok);
    problem_->SetLabel(problem);
}

}  // namespace certagent::gui
