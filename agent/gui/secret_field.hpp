#pragma once
// Masked text controls that hold PINs: read into a SecretString and scrubbed, so the PIN's
// characters do not linger in the toolkit's buffers. Shared by every PIN dialog.
#include <wx/textctrl.h>

#include "certagent/core/secret.hpp"

namespace certagent::gui {

// Overwrites the control's text before clearing it, so the toolkit's buffers are reused with
// filler instead of keeping the PIN's characters.
inline void scrub(wxTextCtrl* t) {
    if (!t) return;
    auto n = t->GetValue().length();
    if (n) t->ChangeValue(wxString(wxT('\u2022'), n));
    t->ChangeValue(wxString());
}

// The control's text as UTF-8 in a SecretString. GetValue() returns a temporary wxString, and
// utf8_str() may hand out a buffer that points into it: the string is kept alive here, an owned
// copy is taken, and both copies are wiped before they are freed.
inline SecretString typedSecret(const wxTextCtrl* t) {
    wxString value = t->GetValue();
    wxCharBuffer utf8(value.utf8_str());
    SecretString out(std::string_view(utf8.data(), utf8.length()));
    secureWipe(utf8.data(), utf8.length());
    for (auto it = value.begin(); it != value.end(); ++it) *it = wxT('\0');
    return out;
}

}  // namespace certagent::gui
