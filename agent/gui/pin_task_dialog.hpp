#pragma once
// PIN change and PIN unblock: the current PIN (or the vendor's SO PIN), the new PIN twice, and
// before the last try a confirmation box. OK is enabled only when ui::checkPinTask passes, so a
// new PIN that breaks the rules never reaches the token. Never pre-filled; scrubbed on close.
#include "certagent/core/secret.hpp"
#include "certagent/core/ui/pin_tasks.hpp"
#include "pin_entry_dialog.hpp"

namespace certagent::gui {

class PinTaskDialog : public PinEntryDialog {
public:
    PinTaskDialog(wxWindow* parent, const ui::PinTaskPolicy& policy);
    ~PinTaskDialog() override;

    struct Entered {
        SecretString secret;  // the current PIN (change) or the SO PIN (unblock)
        SecretString newPin;
        bool finalTryConfirmed = false;
    };
    // What was typed, moved out; the fields are scrubbed.
    Entered take();

private:
    void revalidate() override;
    // A labelled secret field, named for the layout dump.
    wxTextCtrl* labelledField(wxSizer* sizer, const std::string& label, const char* name,
                              unsigned maxLength, int gap);
    ui::PinTaskPolicy policy_;
    wxTextCtrl* secret_ = nullptr;
    wxTextCtrl* new_ = nullptr;
    wxTextCtrl* repeat_ = nullptr;
};

}  // namespace certagent::gui
