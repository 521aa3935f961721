#pragma once
// The consent dialog of the local signing server: a web page asks to sign; the person sees who
// asks, the document (and can open it), the certificate, and answers. Refuse is the default
// button, Escape and closing the window refuse, and so does the countdown when it runs out.
// After Allow the tray's PIN dialog asks for the token PIN (the page never sees it).
#include <memory>

#include "certagent/core/server/consent.hpp"

namespace certagent::gui {

class TrayApp;

// The consent adapter the tray hands to the composition root ([server] consent = "ask").
std::shared_ptr<server::Consent> makeConsentDialog(TrayApp& app);

}  // namespace certagent::gui
