#pragma once
// Runs [reminders] command for each reminder: argv executed directly (fork/exec, never a
// shell), the reminder's fields in CERTAGENT_* environment variables, stdin from /dev/null.
// Jobs run one at a time on the runner's own thread so a slow command never delays a reminder;
// each is killed after `timeout` (SIGTERM, then SIGKILL). Failures are logged, not thrown.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace certagent::reminders {

struct CommandResult {
    int exitCode = -1;     // -1 when it did not exit normally
    int signal = 0;        // the signal that ended it, if any
    bool timedOut = false;
    std::string error;     // could not start it
};

// Runs argv with the session's basic variables (platform::sessionEnvironment) plus `env`
// ("K=V", overriding), synchronously.
CommandResult runCommand(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                         std::chrono::milliseconds timeout);

class CommandRunner {
public:
    CommandRunner(std::vector<std::string> argv, std::chrono::milliseconds timeout);
    ~CommandRunner();  // waits for the running job (bounded by its timeout); drops queued ones
    CommandRunner(const CommandRunner&) = delete;
    CommandRunner& operator=(const CommandRunner&) = delete;

    void enqueue(std::vector<std::string> env);
    // Blocks until every queued job has finished (tests).
    void drain();

private:
    void run();
    std::vector<std::string> argv_;
    std::chrono::milliseconds timeout_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::condition_variable idle_cv_;
    std::deque<std::vector<std::string>> queue_;
    bool busy_ = false;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace certagent::reminders
