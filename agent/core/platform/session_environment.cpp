#include "certagent/core/platform/session_environment.hpp"

#include <algorithm>
#include <csignal>
#include <map>

extern char** environ;

namespace certagent::platform {

bool isSessionVariable(std::string_view name) {
    static constexpr std::string_view kNames[] = {"PATH",
                                                  "HOME",
                                                  "USER",
                                                  "LOGNAME",
                                                  "SHELL",
                                                  "LANG",
                                                  "LANGUAGE",
                                                  "TZ",
                                                  "TMPDIR",
                                                  "DISPLAY",
                                                  "WAYLAND_DISPLAY",
                                                  "XAUTHORITY",
                                                  "DBUS_SESSION_BUS_ADDRESS"};
    if (name.rfind("LC_", 0) == 0 || name.rfind("XDG_", 0) == 0) return true;
    return std::find(std::begin(kNames), std::end(kNames), name) != std::end(kNames);
}

std::vector<std::string> sessionEnvironment(const std::vector<std::string>& extra,
                                            const std::vector<std::string>& withheld) {
    std::map<std::string, std::string> vars;
    auto add = [&](std::string_view kv, bool inherited) {
        auto eq = kv.find('=');
        if (eq == std::string_view::npos || eq == 0) return;
        std::string name(kv.substr(0, eq));
        if (std::find(withheld.begin(), withheld.end(), name) != withheld.end()) return;
        if (!inherited || isSessionVariable(name)) vars[name] = std::string(kv);
    };
    for (char** e = environ; e && *e; ++e) add(*e, true);
    for (const auto& kv : extra) add(kv, false);
    std::vector<std::string> out;
    out.reserve(vars.size());
    for (auto& [name, kv] : vars) out.push_back(std::move(kv));
    return out;
}

std::vector<char*> nullTerminated(std::vector<std::string>& strings) {
    std::vector<char*> out;
    out.reserve(strings.size() + 1);
    for (auto& s : strings) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

#ifndef _WIN32
namespace {
constexpr int kResetSignals[] = {SIGTERM, SIGINT,  SIGHUP,  SIGQUIT,
                                 SIGCHLD, SIGPIPE, SIGUSR1, SIGUSR2};
}

void defaultSignals(posix_spawnattr_t& attr) {
    sigset_t none, reset;
    sigemptyset(&none);
    sigemptyset(&reset);
    for (int sig : kResetSignals) sigaddset(&reset, sig);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &reset);
    short flags = 0;
    posix_spawnattr_getflags(&attr, &flags);
    posix_spawnattr_setflags(&attr, flags | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
}

void defaultSignalsInChild() {
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    for (int sig : kResetSignals) sigaction(sig, &dfl, nullptr);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
}
#endif

}  // namespace certagent::platform
