#pragma once
// Runs a program the person configured (certagent.process/1: a plugin's hook such as
// [reminders] command): argv executed directly (never a shell), the session's basic variables
// plus `extraEnv` (session_environment.hpp), standard input from /dev/null, in its own process
// group. Waits until it ends, the timeout passes or `cancelled()` says so; then the group gets
// SIGTERM, and SIGKILL two seconds later. On Windows it runs in a job object, and the job is
// ended at once instead (no SIGTERM there); on macOS it is not written yet (error set).
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace certagent::platform {

struct ProcessResult {
    std::optional<int> exitCode;  // it exited
    std::optional<int> signal;    // a signal ended it
    bool timedOut = false;        // stopped after the timeout (or on cancel)
    std::string error;            // could not start it (strerror text); nothing ran
};

// extraEnv: "NAME=value" strings, overriding the session's.
ProcessResult runProcess(const std::vector<std::string>& argv,
                         const std::vector<std::string>& extraEnv,
                         std::chrono::milliseconds timeout,
                         const std::function<bool()>& cancelled = {});

}  // namespace certagent::platform
