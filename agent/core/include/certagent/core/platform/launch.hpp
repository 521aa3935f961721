#pragma once
// Starts a program the person asked for from the tray (a token vendor's utility) and lets it
// run on its own: not waited for, in its own session, standard streams on the null device,
// with the session's basic environment only (session_environment.hpp on POSIX; on Windows the
// user's default environment block, CreateEnvironmentBlock). On macOS an application bundle
// (".app" folder) is opened with /usr/bin/open.
#include <filesystem>
#include <string>
#include <vector>

namespace certagent::platform {

enum class LaunchEnvironment {
    Session,    // the session's basic variables only (above)
    Inherited,  // this process's own (the daemon hands the tray app its CERTAGENT_* variables)
};

// Throws certagent::Error(Io) naming the program when it cannot be started.
void launchDetached(const std::filesystem::path& program, const std::vector<std::string>& args = {},
                    LaunchEnvironment environment = LaunchEnvironment::Session);

}  // namespace certagent::platform
