#include "certagent/core/platform/desktop_open.hpp"

#ifdef _WIN32
#include <windows.h>
// shellapi.h needs windows.h first.
#include <shellapi.h>
#else
#include <spawn.h>
#include <sys/wait.h>

#include <cstdlib>

#include "certagent/core/platform/session_environment.hpp"
#endif

namespace certagent::platform {

#ifdef _WIN32

// The shell's default verb; the environment is the user's own, so `withheld` has nothing to do.
bool openWithDesktop(const std::string& target, const std::vector<std::string>&) {
    std::wstring wide(
        static_cast<std::size_t>(MultiByteToWideChar(CP_UTF8, 0, target.c_str(), -1, nullptr, 0)),
        L'\0');
    MultiByteToWideChar(CP_UTF8, 0, target.c_str(), -1, wide.data(), static_cast<int>(wide.size()));
    const auto rc = reinterpret_cast<INT_PTR>(
        ShellExecuteW(nullptr, L"open", wide.c_str(), nullptr, nullptr, SW_SHOWNORMAL));
    return rc > 32;  // ShellExecuteW's documented success
}

#else

// No shell: the target is one argument, whatever it holds.
bool openWithDesktop(const std::string& target, const std::vector<std::string>& withheld) {
    if (!std::getenv("DISPLAY") && !std::getenv("WAYLAND_DISPLAY")) return false;
    std::vector<std::string> args = {"xdg-open", target};
    auto argv = nullTerminated(args);
    auto env = sessionEnvironment({}, withheld);
    auto envp = nullTerminated(env);
    pid_t pid = 0;
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    defaultSignals(attr);
    const int rc = posix_spawnp(&pid, "xdg-open", nullptr, &attr, argv.data(), envp.data());
    posix_spawnattr_destroy(&attr);
    if (rc != 0) return false;
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

#endif

}  // namespace certagent::platform
