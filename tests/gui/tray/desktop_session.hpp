#pragma once
// A throwaway desktop for GUI tests: Xvfb, a private D-Bus session with dunst as notification
// daemon (and dbus-monitor recording Notify calls), trayer as system tray. Every process is
// started here and stopped (TERM, then KILL) when the object dies; every wait is bounded.
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "background_process.hpp"
#include "temp_dir.hpp"

namespace certagent::testing {

// The tray app under test: $CERTAGENT_TEST_GUI_BINARY (tests/run.sh points it at the
// AddressSanitizer build for a second run of the GUI tests), else this build's.
std::string guiBinary();

class DesktopSession {
public:
    explicit DesktopSession(const std::filesystem::path& dir);
    ~DesktopSession();
    // DISPLAY and DBUS_SESSION_BUS_ADDRESS for processes on this desktop.
    std::vector<std::string> env() const;
    const std::string& display() const { return display_; }
    std::string notifications() const;  // what dbus-monitor saw so far
    ProcessResult run(std::vector<std::string> argv, int timeout_s = 10) const;
    void screenshot(const std::filesystem::path& png) const;
    // The window ids trayer embedded (its children that are client windows).
    std::vector<std::string> trayChildren() const;

private:
    std::filesystem::path dir_;
    std::string display_;
    std::string bus_;
    int bus_pid_ = -1;
    std::unique_ptr<BackgroundProcess> xvfb_, dunst_, monitor_, trayer_;
};

}  // namespace certagent::testing
