#pragma once
// What the PIN dialogs share: masked fields the program never fills, Enter as OK, the box that
// confirms a final try, a line that says what is wrong, and OK enabled only when nothing is.
#include <wx/dialog.h>

class wxTextCtrl;
class wxCheckBox;
class wxStaticText;
class wxButton;
class wxSizer;

namespace certagent::gui {

class PinEntryDialog : public wxDialog {
protected:
    PinEntryDialog(wxWindow* parent, const wxString& title);

    // Re-checks what was typed: each dialog has its own rules (ui::checkPin, ui::checkPinTask).
    virtual void revalidate() = 0;

    // A masked field (nothing is ever put into it by the program): typing revalidates, Enter is
    // OK when OK is enabled.
    wxTextCtrl* secretField(unsigned maxLength);
    // The box the person ticks before the last try; ticking it revalidates.
    wxCheckBox* addConfirmation(wxSizer* sizer, const wxString& label, int flags, int gap);
    // The line that says what is wrong, then OK and Cancel.
    void addProblemAndButtons(wxSizer* sizer, int problemFlags, int gap);

    bool confirmed() const;
    // OK enabled only when `ok`; the line shows `problem` (empty: nothing to say).
    void showProblem(bool ok, const wxString& problem);

    wxCheckBox* confirm_ = nullptr;  // only before the last try
    wxStaticText* problem_ = nullptr;
    wxButton* ok_ = nullptr;
};

}  // namespace certagent::gui
