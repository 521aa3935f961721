#include "certagent/core/platform/process.hpp"

#include <cerrno>
#include <cstring>
#include <thread>

#include "certagent/core/platform/session_environment.hpp"

#ifdef _WIN32
#include <windows.h>

#include "windows_child.hpp"

namespace certagent::platform {

// CreateProcessW in a job object (windows_child.hpp). Windows has no SIGTERM for a program
// without a console window: at the timeout (or on cancel) the job, the program and everything
// it started, ends at once; neither exitCode nor signal is set then.
// argv is not empty (runProcess below checks).
static ProcessResult startAndWait(const std::vector<std::string>& argv,
                                  const std::vector<std::string>& extraEnv,
                                  std::chrono::milliseconds timeout,
                                  const std::function<bool()>& cancelled) {
    ProcessResult result;
    const auto input = windows::nullDevice(false);
    const auto output = windows::inheritableStandardHandle(STD_OUTPUT_HANDLE);
    const auto errors = windows::inheritableStandardHandle(STD_ERROR_HANDLE);
    auto child = windows::startChild(argv, sessionEnvironment(extraEnv), input.get(), output.get(),
                                     errors.get());
    if (!child.process) {
        result.error = child.error;
        return result;
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    // A short wait between checks of `cancelled`, bounded by the timeout; callers run this on a
    // worker.
    while (WaitForSingleObject(child.process.get(), 20) == WAIT_TIMEOUT) {
        if (std::chrono::steady_clock::now() >= deadline || (cancelled && cancelled())) {
            result.timedOut = true;
            TerminateJobObject(child.job.get(), windows::kKilledExitCode);
            WaitForSingleObject(child.process.get(), INFINITE);
            return result;
        }
    }
    DWORD code = 0;
    if (GetExitCodeProcess(child.process.get(), &code)) result.exitCode = static_cast<int>(code);
    return result;
}

}  // namespace certagent::platform

#elif !defined(__linux__)
// macOS (no execvpe) gets its runner with its platform work.

namespace certagent::platform {

static ProcessResult startAndWait(const std::vector<std::string>&,
                                  const std::vector<std::string>&, std::chrono::milliseconds,
                                  const std::function<bool()>&) {
    ProcessResult r;
    r.error = "starting programs is not supported on this platform yet";
    return r;
}

}  // namespace certagent::platform

#else  // Linux

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <csignal>

namespace certagent::platform {

// argv is not empty (runProcess below checks).
static ProcessResult startAndWait(const std::vector<std::string>& argv,
                                  const std::vector<std::string>& extraEnv,
                                  std::chrono::milliseconds timeout,
                                  const std::function<bool()>& cancelled) {
    ProcessResult result;
    // Everything the child needs is built before fork: after it, only async-signal-safe calls.
    auto args = argv;
    // Only the session's basic variables plus extraEnv: the agent's environment may hold a
    // --pin-env PIN or the test consent's PIN variable.
    auto envs = sessionEnvironment(extraEnv);
    auto argp = nullTerminated(args);
    auto envp = nullTerminated(envs);
    int errPipe[2];
    if (pipe2(errPipe, O_CLOEXEC) != 0) {
        result.error = std::strerror(errno);
        return result;
    }
    pid_t pid = fork();
    if (pid < 0) {
        result.error = std::strerror(errno);
        close(errPipe[0]);
        close(errPipe[1]);
        return result;
    }
    if (pid == 0) {
        defaultSignalsInChild();
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0) dup2(devnull, STDIN_FILENO);
        setpgid(0, 0);  // its own group, so a timeout also ends what it started
        execvpe(argp[0], argp.data(), envp.data());
        int e = errno;
        ssize_t ignored = write(errPipe[1], &e, sizeof e);
        (void)ignored;
        _exit(127);
    }
    close(errPipe[1]);
    int execErrno = 0;
    if (read(errPipe[0], &execErrno, sizeof execErrno) == sizeof execErrno)
        result.error = std::strerror(execErrno);
    close(errPipe[0]);

    auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    bool termSent = false;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) break;
        if (r < 0 && errno != EINTR) break;
        auto now = std::chrono::steady_clock::now();
        if (!termSent && (now >= deadline || (cancelled && cancelled()))) {
            result.timedOut = true;
            kill(-pid, SIGTERM);
            kill(pid, SIGTERM);
            termSent = true;
            deadline = now;
        } else if (termSent && now >= deadline + std::chrono::seconds(2)) {
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
        }
        // A short wait between checks, bounded by the timeout; callers run this on a worker.
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!result.error.empty()) return result;  // exec failed: the child's 127 is not news
    if (WIFEXITED(status)) result.exitCode = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
    return result;
}

}  // namespace certagent::platform

#endif

namespace certagent::platform {

ProcessResult runProcess(const std::vector<std::string>& argv,
                         const std::vector<std::string>& extraEnv,
                         std::chrono::milliseconds timeout,
                         const std::function<bool()>& cancelled) {
    if (argv.empty() || argv[0].empty()) {
        ProcessResult result;
        result.error = "empty command";
        return result;
    }
    return startAndWait(argv, extraEnv, timeout, cancelled);
}

}  // namespace certagent::platform
