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

#include "temp_dir.hpp"

namespace certagent::testing {

class BackgroundProcess {
public:
    // argv[0] is looked up in PATH; stdout/stderr go to `log`.
    BackgroundProcess(std::vector<std::string> argv, std::vector<std::string> env,
                      const std::filesystem::path& log);
    ~BackgroundProcess();
    BackgroundProcess(const BackgroundProcess&) = delete;
    BackgroundProcess& operator=(const BackgroundProcess&) = delete;
    int pid() const { return pid_; }
    bool running();
    // Waits up to `timeout` for the process to exit; returns its exit code or -1.
    int wait(std::chrono::milliseconds timeout);
    void stop();

private:
    int pid_ = -1;
    int status_ = -1;
};

bool waitUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout);

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
