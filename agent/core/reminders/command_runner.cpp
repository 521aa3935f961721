#include "certagent/core/reminders/command_runner.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "certagent/core/log.hpp"
#include "certagent/core/platform/session_environment.hpp"

namespace certagent::reminders {

CommandResult runCommand(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                         std::chrono::milliseconds timeout) {
    CommandResult result;
    if (argv.empty()) {
        result.error = "empty command";
        return result;
    }
    // Everything the child needs is built before fork: after it, only async-signal-safe calls.
    auto args = argv;
    // Only the session's basic variables plus `env` (CERTAGENT_*): the agent's environment may
    // hold a --pin-env PIN or the test consent's PIN variable.
    auto envs = platform::sessionEnvironment(env);
    auto argp = platform::nullTerminated(args);
    auto envp = platform::nullTerminated(envs);
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

    const auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    bool termSent = false;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) break;
        if (r < 0 && errno != EINTR) break;
        auto now = std::chrono::steady_clock::now();
        if (now >= deadline && !termSent) {
            result.timedOut = true;
            kill(-pid, SIGTERM);
            kill(pid, SIGTERM);
            termSent = true;
        } else if (termSent && now >= deadline + std::chrono::seconds(2)) {
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
        }
        // Bounded by the timeout; the command runs on the runner's own thread.
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (WIFEXITED(status)) result.exitCode = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
    return result;
}

CommandRunner::CommandRunner(std::vector<std::string> argv, std::chrono::milliseconds timeout)
    : argv_(std::move(argv)), timeout_(timeout), thread_([this] { run(); }) {}

CommandRunner::~CommandRunner() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
        if (!queue_.empty())
            log::warn("reminders", "{} reminder command(s) not run: the agent is stopping",
                      queue_.size());
        queue_.clear();
    }
    cv_.notify_all();
    thread_.join();
}

void CommandRunner::enqueue(std::vector<std::string> env) {
    {
        std::lock_guard lock(mutex_);
        queue_.push_back(std::move(env));
    }
    cv_.notify_all();
}

void CommandRunner::drain() {
    std::unique_lock lock(mutex_);
    idle_cv_.wait(lock, [&] { return queue_.empty() && !busy_; });
}

void CommandRunner::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
        if (stop_) break;
        auto env = std::move(queue_.front());
        queue_.pop_front();
        busy_ = true;
        lock.unlock();
        auto r = runCommand(argv_, env, timeout_);
        if (!r.error.empty())
            log::error("reminders", "reminder command {} could not start: {}", argv_[0], r.error);
        else if (r.timedOut)
            log::error("reminders", "reminder command {} ran longer than {} s and was stopped",
                       argv_[0], timeout_.count() / 1000.0);
        else if (r.signal)
            log::error("reminders", "reminder command {} was killed by signal {}", argv_[0],
                       r.signal);
        else if (r.exitCode != 0)
            log::error("reminders", "reminder command {} failed with exit code {}", argv_[0],
                       r.exitCode);
        else
            log::debug("reminders", "reminder command {} done", argv_[0]);
        lock.lock();
        busy_ = false;
        if (queue_.empty()) idle_cv_.notify_all();
    }
    busy_ = false;
    idle_cv_.notify_all();
}

}  // namespace certagent::reminders
