#pragma once
// Token care from the tray menu: PIN change and unblock (dialog on the UI thread, token work
// on a job thread), and portal login in the browser (certagent-cli browser ...).
#include <string>

#include "certagent/core/ui/pin_tasks.hpp"

namespace certagent::gui {

class TrayApp;

// Reads the token's flags, shows the dialog (or says why the task cannot start), then changes
// or unblocks the PIN with exactly the one try the user asked for.
void runPinTask(TrayApp& app, const std::string& serial, ui::PinTask task);

// "register" | "unregister" | "status": what `certagent-cli browser` does, with the result in
// a message.
void runBrowserAction(TrayApp& app, const std::string& what);

}  // namespace certagent::gui
