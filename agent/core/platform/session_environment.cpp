#include "certagent/core/platform/session_environment.hpp"

#include <algorithm>
#include <cctype>
#include <csignal>
#include <map>

#ifdef _WIN32
#include <windows.h>

#include <cwchar>

#include "windows_child.hpp"
#else
extern char** environ;
#endif

namespace certagent::platform {

namespace {

// Windows compares variable names without regard to case; POSIX does not.
std::string nameKey(std::string_view name) {
    std::string key(name);
#ifdef _WIN32
    for (auto& c : key) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
#endif
    return key;
}

}  // namespace

std::vector<std::string> currentEnvironment() {
    std::vector<std::string> out;
#ifdef _WIN32
    // The wide block, not the C runtime's copy in the ANSI code page.
    wchar_t* block = GetEnvironmentStringsW();
    for (const wchar_t* e = block; e && *e; e += std::wcslen(e) + 1)
        out.push_back(windows::narrow(e));
    if (block) FreeEnvironmentStringsW(block);
#else
    for (char** e = environ; e && *e; ++e) out.emplace_back(*e);
#endif
    return out;
}

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
#ifdef _WIN32
    // What Windows programs expect to find (without SystemRoot, Winsock and much else fail).
    static constexpr std::string_view kWindowsNames[] = {"PATH",
                                                         "PATHEXT",
                                                         "SYSTEMROOT",
                                                         "WINDIR",
                                                         "SYSTEMDRIVE",
                                                         "COMSPEC",
                                                         "USERPROFILE",
                                                         "USERNAME",
                                                         "USERDOMAIN",
                                                         "COMPUTERNAME",
                                                         "HOMEDRIVE",
                                                         "HOMEPATH",
                                                         "APPDATA",
                                                         "LOCALAPPDATA",
                                                         "PROGRAMDATA",
                                                         "ALLUSERSPROFILE",
                                                         "PUBLIC",
                                                         "PROGRAMFILES",
                                                         "PROGRAMFILES(X86)",
                                                         "PROGRAMW6432",
                                                         "COMMONPROGRAMFILES",
                                                         "COMMONPROGRAMFILES(X86)",
                                                         "COMMONPROGRAMW6432",
                                                         "TEMP",
                                                         "TMP",
                                                         "OS",
                                                         "PROCESSOR_ARCHITECTURE",
                                                         "NUMBER_OF_PROCESSORS"};
    const auto key = nameKey(name);
    if (std::find(std::begin(kWindowsNames), std::end(kWindowsNames), key) !=
        std::end(kWindowsNames))
        return true;
#endif
    return std::find(std::begin(kNames), std::end(kNames), name) != std::end(kNames);
}

std::vector<std::string> sessionEnvironment(const std::vector<std::string>& extra,
                                            const std::vector<std::string>& withheld) {
    std::map<std::string, std::string> vars;  // nameKey -> "NAME=value"
    auto add = [&](std::string_view kv, bool inherited) {
        auto eq = kv.find('=');
        if (eq == std::string_view::npos || eq == 0) return;
        std::string name(kv.substr(0, eq));
        for (const auto& w : withheld)
            if (nameKey(w) == nameKey(name)) return;
        if (!inherited || isSessionVariable(name)) vars[nameKey(name)] = std::string(kv);
    };
    for (const auto& kv : currentEnvironment()) add(kv, true);
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
