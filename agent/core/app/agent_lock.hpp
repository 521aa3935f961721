#pragma once
// One agent per state folder: the tray app and `certagent-cli daemon` both run every area
// (reminders, renewal, the local server) on the same journal, so only one of them may run at a
// time. The lock is <state dir>/agent.lock (platform::FileLock: flock() on POSIX, LockFileEx
// on Windows), held while the program runs and holding "PID PROGRAM" for the next one to read.
// The tray takes over from a daemon (it asks it to stop, StopSignals::askToStop, and waits); a
// daemon never takes over from the tray.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace certagent::platform {
class FileLock;
}

namespace certagent::app {

struct LockHolder {
    int pid = 0;
    std::string program;  // "tray" | "daemon"
};

class AgentLock {
public:
    // The lock, or nullptr with `holder` filled when another program holds it.
    static std::unique_ptr<AgentLock> tryAcquire(const std::filesystem::path& stateDir,
                                                 const std::string& program,
                                                 std::optional<LockHolder>& holder);
    ~AgentLock();
    AgentLock(const AgentLock&) = delete;
    AgentLock& operator=(const AgentLock&) = delete;

private:
    AgentLock() = default;
    std::unique_ptr<platform::FileLock> file_;  // none: the agent runs without its lock
};

// Asks `holder` to stop (SIGTERM; on Windows its stop event) and waits up to `seconds` for the
// lock. Only a daemon is asked.
std::unique_ptr<AgentLock> takeOver(const std::filesystem::path& stateDir,
                                    const std::string& program, const LockHolder& holder,
                                    int seconds);

}  // namespace certagent::app
