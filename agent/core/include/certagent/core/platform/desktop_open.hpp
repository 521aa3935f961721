#pragma once
// Opens a web page or a file with the desktop's default program (xdg-open), for the programs
// without a toolkit of their own: the CLI and the daemon (certagent.ui/1 open). The program
// gets the session's environment only (session_environment.hpp), minus `withheld`.
#include <string>
#include <vector>

namespace certagent::platform {

// false when there is no desktop session (no DISPLAY nor WAYLAND_DISPLAY) or the opener
// failed. Waits for xdg-open, which hands the target over and returns.
bool openWithDesktop(const std::string& target, const std::vector<std::string>& withheld);

}  // namespace certagent::platform
