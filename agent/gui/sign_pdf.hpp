#pragma once
namespace certagent::gui {
class TrayApp;
// "Sign a PDF…": choose the file, the certificate (when there are several) and where to save;
// the PIN is asked on the token's behalf and the signature is made on a worker thread.
void signPdfInteractively(TrayApp& app);
}  // namespace certagent::gui
