#pragma once
// The environment of a program the agent starts for the user (a browser for the payment page,
// the [reminders] command hook): only what a program needs to run in the user's session, never
// the agent's own environment. The agent's environment may hold secrets: the variable named by
// `--pin-env` (a PIN), [timestamps] password_env (a password), the test consent's PIN variable.
//
//   auto env = platform::sessionEnvironment({"CERTAGENT_TOKEN=..."}, {pinEnvName});
//   auto envp = platform::nullTerminated(env);   // for execve/posix_spawn
#include <string>
#include <string_view>
#include <vector>

#ifndef _WIN32
#include <spawn.h>
#endif

namespace certagent::platform {

// This process's environment as "NAME=value" strings (UTF-8 on Windows).
std::vector<std::string> currentEnvironment();

// PATH, HOME, USER, LOGNAME, SHELL, LANG, LANGUAGE, LC_*, TZ, TMPDIR, DISPLAY, WAYLAND_DISPLAY,
// XAUTHORITY, DBUS_SESSION_BUS_ADDRESS, XDG_* (runtime dir, config/data/cache homes, desktop,
// session type, ...); on Windows also SystemRoot, windir, ComSpec, PATHEXT, USERPROFILE,
// APPDATA, LOCALAPPDATA, TEMP, TMP, the Program Files folders and the like, without regard to
// case (names are compared that way there, here and in sessionEnvironment).
bool isSessionVariable(std::string_view name);

// "NAME=value" strings, sorted by name: the session variables of this process's environment,
// then `extra` ("NAME=value", overriding), minus every name in `withheld` (even a session
// variable: a --pin-env HOME would still not leave).
std::vector<std::string> sessionEnvironment(const std::vector<std::string>& extra = {},
                                            const std::vector<std::string>& withheld = {});

// Null-terminated pointers into `strings` (which must outlive them), for execve/posix_spawn.
std::vector<char*> nullTerminated(std::vector<std::string>& strings);

#ifndef _WIN32
// A started program begins with no blocked signal and the default action for every signal the
// agent blocks or ignores (the daemon blocks SIGTERM/SIGINT/SIGHUP for sigwait and ignores
// SIGCHLD; both survive exec). Without this, a tray app the daemon starts could not be stopped
// with SIGTERM, and a started program's own waitpid would fail.
void defaultSignals(posix_spawnattr_t& attr);
// The same, in a forked child before exec (async-signal-safe calls only).
void defaultSignalsInChild();
#endif

}  // namespace certagent::platform
