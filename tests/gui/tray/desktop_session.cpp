#include "desktop_session.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>
#include <cstdlib>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace certagent::testing {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string guiBinary() {
    const char* b = std::getenv("CERTAGENT_TEST_GUI_BINARY");
    return b && *b ? std::string(b) : std::string(CERTAGENT_GUI_BINARY);
}

DesktopSession::DesktopSession(const fs::path& dir) : dir_(dir) {
    // A display number nobody uses: the first free socket from :90 on.
    for (int n = 90 + getpid() % 50; n < 200; ++n) {
        if (!fs::exists("/tmp/.X11-unix/X" + std::to_string(n)) &&
            !fs::exists("/tmp/.X" + std::to_string(n) + "-lock")) {
            display_ = ":" + std::to_string(n);
            break;
        }
    }
    xvfb_ = std::make_unique<BackgroundProcess>(
        std::vector<std::string>{"Xvfb", display_, "-screen", "0", "800x600x24", "-nolisten",
                                 "tcp"},
        std::vector<std::string>{}, dir_ / "xvfb.log");
    auto sock = "/tmp/.X11-unix/X" + display_.substr(1);
    if (!waitUntil([&] { return fs::exists(sock); }, 10s))
        throw std::runtime_error("Xvfb did not start");
    auto launch = runProcess({"dbus-launch", "--sh-syntax"}, {"DISPLAY=" + display_}, {}, 10);
    std::smatch m;
    if (!std::regex_search(launch.out, m, std::regex("DBUS_SESSION_BUS_ADDRESS='([^']+)'")))
        throw std::runtime_error("dbus-launch failed: " + launch.err);
    bus_ = m[1];
    if (std::regex_search(launch.out, m, std::regex("DBUS_SESSION_BUS_PID=([0-9]+)")))
        bus_pid_ = std::stoi(m[1]);
    monitor_ = std::make_unique<BackgroundProcess>(
        std::vector<std::string>{"dbus-monitor", "--session",
                                 "interface='org.freedesktop.Notifications'"},
        env(), dir_ / "notifications.log");
    dunst_ = std::make_unique<BackgroundProcess>(std::vector<std::string>{"dunst"}, env(),
                                                 dir_ / "dunst.log");
    // The tray host must be there before the app (lab notes).
    trayer_ = std::make_unique<BackgroundProcess>(
        std::vector<std::string>{"trayer", "--edge", "top", "--align", "right", "--widthtype",
                                 "request", "--height", "32", "--SetDockType", "true",
                                 "--SetPartialStrut", "true", "--transparent", "false"},
        env(), dir_ / "trayer.log");
    waitUntil([&] { return run({"xwininfo", "-root", "-tree"}).out.find("panel") !=
                           std::string::npos; },
              5s);
    waitUntil([&] {
        return run({"dbus-send", "--session", "--print-reply",
                    "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.NameHasOwner",
                    "string:org.freedesktop.Notifications"})
                   .out.find("true") != std::string::npos;
    }, 5s);
}

DesktopSession::~DesktopSession() {
    trayer_.reset();
    dunst_.reset();
    monitor_.reset();
    if (bus_pid_ > 0) ::kill(bus_pid_, SIGTERM);
    xvfb_.reset();
}

std::vector<std::string> DesktopSession::env() const {
    return {"DISPLAY=" + display_, "DBUS_SESSION_BUS_ADDRESS=" + bus_};
}

std::string DesktopSession::notifications() const { return readFile(dir_ / "notifications.log"); }

ProcessResult DesktopSession::run(std::vector<std::string> argv, int timeout_s) const {
    return runProcess(argv, env(), {}, timeout_s);
}

void DesktopSession::screenshot(const fs::path& png) const {
    fs::create_directories(png.parent_path());
    run({"import", "-window", "root", png.string()}, 20);
}

std::vector<std::string> DesktopSession::trayChildren() const {
    // trayer's panel window holds one child per embedded icon (XEmbed sockets).
    auto tree = run({"xwininfo", "-root", "-tree"}).out;
    std::vector<std::string> out;
    std::istringstream in(tree);
    std::string line;
    bool inPanel = false;
    size_t panelIndent = 0;
    while (std::getline(in, line)) {
        auto indent = line.find_first_not_of(' ');
        if (indent == std::string::npos) continue;
        if (line.find("\"panel\"") != std::string::npos) {
            inPanel = true;
            panelIndent = indent;
            continue;
        }
        if (inPanel && indent <= panelIndent) inPanel = false;
        if (inPanel && line.find("0x") != std::string::npos) out.push_back(line);
    }
    return out;
}

}  // namespace certagent::testing
