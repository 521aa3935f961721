#include "certagent/core/platform/captured_run.hpp"

#include <algorithm>

#ifdef _WIN32
#include <windows.h>

#include <functional>
#include <future>

#include "windows_child.hpp"
#else
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>

#include "certagent/core/platform/session_environment.hpp"
#endif

namespace certagent::platform {

namespace {

// Keeps the first kCapturedOutputLimit bytes; the rest is read (so the tool never blocks on a
// full pipe) and dropped.
void keep(std::string& to, const char* data, std::size_t n) {
    if (to.size() < kCapturedOutputLimit)
        to.append(data, std::min(n, kCapturedOutputLimit - to.size()));
}

}  // namespace

#ifdef _WIN32

// CreateProcessW with two pipes, a reader thread on each (anonymous pipes cannot be waited on
// together), the tool and what it starts in a job object that is ended at the timeout.
CapturedRun runCaptured(const std::vector<std::string>& argv, std::vector<std::string> env,
                        std::chrono::seconds timeout) {
    CapturedRun result;
    SECURITY_ATTRIBUTES inheritable{sizeof(SECURITY_ATTRIBUTES), nullptr, TRUE};
    HANDLE outRead = nullptr, outWrite = nullptr, errRead = nullptr, errWrite = nullptr;
    if (!CreatePipe(&outRead, &outWrite, &inheritable, 0)) {
        result.err = windows::errorText(GetLastError());
        return result;
    }
    windows::Handle outReader(outRead), outWriter(outWrite);
    if (!CreatePipe(&errRead, &errWrite, &inheritable, 0)) {
        result.err = windows::errorText(GetLastError());
        return result;
    }
    windows::Handle errReader(errRead), errWriter(errWrite);
    // Our ends stay with us.
    SetHandleInformation(outRead, HANDLE_FLAG_INHERIT, 0);
    SetHandleInformation(errRead, HANDLE_FLAG_INHERIT, 0);
    const auto input = windows::nullDevice(false);
    auto child = windows::startChild(argv, env, input.get(), outWrite, errWrite);
    // The tool holds the write ends now; ours closed, a read ends when the tool's do.
    outWriter.reset();
    errWriter.reset();
    if (!child.process) {
        result.err = child.error;
        return result;
    }
    auto drain = [](HANDLE pipe, std::string& to) {
        char buf[4096];
        DWORD n = 0;
        while (ReadFile(pipe, buf, sizeof buf, &n, nullptr) && n > 0) keep(to, buf, n);
    };
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto out = std::async(std::launch::async, drain, outRead, std::ref(result.out));
    auto err = std::async(std::launch::async, drain, errRead, std::ref(result.err));
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count();
    // Done when the tool has ended and both pipes are closed (something it started may still
    // hold them): all before the deadline, or the job is ended, which closes them.
    const bool done =
        WaitForSingleObject(child.process.get(), static_cast<DWORD>(left)) == WAIT_OBJECT_0 &&
        out.wait_until(deadline) == std::future_status::ready &&
        err.wait_until(deadline) == std::future_status::ready;
    if (!done) TerminateJobObject(child.job.get(), windows::kKilledExitCode);
    out.get();
    err.get();
    WaitForSingleObject(child.process.get(), INFINITE);
    DWORD code = windows::kKilledExitCode;
    GetExitCodeProcess(child.process.get(), &code);
    result.exitCode = static_cast<int>(code);
    return result;
}

#else
// Runs argv with env, no shell, stdin from /dev/null, both outputs captured; killed after
// `timeout`. Returns exit code -1 when it could not start (errno in `err`).
CapturedRun runCaptured(const std::vector<std::string>& argv, std::vector<std::string> env,
                        std::chrono::seconds timeout) {
    CapturedRun result;
    int outPipe[2], errPipe[2];
    if (pipe2(outPipe, O_CLOEXEC) != 0) return result;
    if (pipe2(errPipe, O_CLOEXEC) != 0) {
        close(outPipe[0]);
        close(outPipe[1]);
        return result;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1);
    posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2);
    std::vector<std::string> args = argv;
    std::vector<char*> cargv;
    for (auto& a : args) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    auto envp = nullTerminated(env);
    pid_t pid = 0;
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    defaultSignals(attr);
    const int rc = posix_spawnp(&pid, cargv[0], &actions, &attr, cargv.data(), envp.data());
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    close(outPipe[1]);
    close(errPipe[1]);
    if (rc != 0) {
        close(outPipe[0]);
        close(errPipe[0]);
        result.err = std::strerror(rc);
        return result;
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    pollfd fds[2] = {{outPipe[0], POLLIN, 0}, {errPipe[0], POLLIN, 0}};
    int open = 2;
    while (open > 0) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            kill(pid, SIGKILL);
            break;
        }
        if (poll(fds, 2, static_cast<int>(left.count())) < 0) break;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            char buf[4096];
            const ssize_t n = read(fds[i].fd, buf, sizeof buf);
            if (n <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                --open;
            } else {
                keep(i == 0 ? result.out : result.err, buf, static_cast<std::size_t>(n));
            }
        }
    }
    for (auto& p : fds)
        if (p.fd >= 0) close(p.fd);
    int status = 0;
    waitpid(pid, &status, 0);
    result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

#endif

}  // namespace certagent::platform
