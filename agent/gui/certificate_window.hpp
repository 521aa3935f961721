#pragma once
// The certificate window opened from the tray menu: every detail (ui::certificateRows) and an
// Export button (DER or PEM, as chosen in the file dialog).
#include <vector>

#include "certagent/core/token/types.hpp"
#include "certagent/core/ui/tray_model.hpp"

namespace certagent::gui {

class TrayApp;

// Opens a window for `cert` (non-modal; it destroys itself when closed). `sameToken`: the other
// certificates on its token, where its chain's CA certificates usually are.
void showCertificateWindow(TrayApp& app, const ui::CertView& cert,
                           const std::vector<token::Bytes>& sameToken);

}  // namespace certagent::gui
