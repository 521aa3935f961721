#pragma once
#include <optional>

#include "certagent/core/secret.hpp"
#include "certagent/core/ui/pin_rules.hpp"
#include "pin_entry_dialog.hpp"

namespace certagent::gui {

// Masked PIN entry with the rules of ui::PinPolicy: never pre-filled, OK only when the PIN
// passes the length rules (and, before the last try, the confirmation box is ticked).
class PinDialog : public PinEntryDialog {
public:
    PinDialog(wxWindow* parent, const ui::PinPolicy& policy);
    ~PinDialog() override;
    // The PIN typed, moved out and wiped from the text control.
    std::optional<SecretString> takePin();

private:
    void revalidate() override;
    ui::PinPolicy policy_;
    wxTextCtrl* pin_ = nullptr;
};

}  // namespace certagent::gui
