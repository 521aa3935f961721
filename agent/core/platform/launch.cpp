#include "certagent/core/platform/launch.hpp"

#include <fmt/format.h>

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"

#ifdef _WIN32
#include <windows.h>
// userenv.h needs windows.h first.
#include <userenv.h>

#include "certagent/core/platform/command_line.hpp"
#include "windows_child.hpp"
#else
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "certagent/core/platform/session_environment.hpp"

#endif

namespace certagent::platform {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void cannotStart(const fs::path& program, const std::string& why) {
    throw Error(ErrorKind::Io,
                fmt::format(fmt::runtime(_("Could not start {0}: {1}")), program.string(), why),
                program.string());
}

}  // namespace

#ifdef _WIN32

using windows::wide;

void launchDetached(const fs::path& program, const std::vector<std::string>& args,
                    LaunchEnvironment inherit) {
    // The program as a wide path (no round trip through the ANSI code page), quoted as argv[0].
    std::wstring commandLine = L"\"" + program.wstring() + L"\"";
    for (const auto& a : args) commandLine += L" " + wide(quoteWindowsArgument(a));
    void* environment = nullptr;
    HANDLE token = nullptr;
    if (inherit == LaunchEnvironment::Session &&
        OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY | TOKEN_DUPLICATE, &token)) {
        if (!CreateEnvironmentBlock(&environment, token, FALSE)) environment = nullptr;
        CloseHandle(token);
    }
    STARTUPINFOW si{};
    si.cb = sizeof si;
    PROCESS_INFORMATION pi{};
    const BOOL ok =
        CreateProcessW(program.wstring().c_str(), commandLine.data(), nullptr, nullptr, FALSE,
                       CREATE_UNICODE_ENVIRONMENT | DETACHED_PROCESS | CREATE_NEW_PROCESS_GROUP,
                       environment, program.parent_path().wstring().c_str(), &si, &pi);
    const DWORD error = GetLastError();
    if (environment) DestroyEnvironmentBlock(environment);
    if (!ok) cannotStart(program, fmt::format("error {}", error));
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    log::info("platform", "started {}", program.string());
}

#else

void launchDetached(const fs::path& program, const std::vector<std::string>& args,
                    LaunchEnvironment inherit) {
    std::vector<std::string> argv;
#ifdef __APPLE__
    if (program.extension() == ".app") argv = {"/usr/bin/open", program.string()};
#endif
    if (argv.empty()) argv = {program.string()};
    if (!args.empty()) {
        if (argv.size() > 1) argv.push_back("--args");
        argv.insert(argv.end(), args.begin(), args.end());
    }
    std::vector<std::string> env;
    if (inherit == LaunchEnvironment::Inherited)
        env = currentEnvironment();
    else
        env = sessionEnvironment();
    auto envp = nullTerminated(env);
    auto cargv = nullTerminated(argv);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    for (int fd : {0, 1, 2}) posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", O_RDWR, 0);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
#ifdef POSIX_SPAWN_SETSID
    // Its own session: closing the tray (or its terminal) does not take the utility with it.
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
#endif
    defaultSignals(attr);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, argv[0].c_str(), &actions, &attr, cargv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) cannotStart(program, std::strerror(rc));
    // Not waited for by anyone else: reap it when it ends so it leaves no zombie.
    std::thread([pid] {
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
    }).detach();
    log::info("platform", "started {} (pid {})", program.string(), pid);
}

#endif

}  // namespace certagent::platform
