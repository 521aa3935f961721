#include "certagent/core/platform/desktop_open.hpp"

#include <spawn.h>
#include <sys/wait.h>

#include <cstdlib>

#include "certagent/core/platform/session_environment.hpp"

namespace certagent::platform {

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

}  // namespace certagent::platform
