#pragma once
// One agent per state folder: the tray app and `certagent-cli daemon` both run every area
// (reminders, renewal, the local server) on the same journal, so only one of them may run at a
// time. The lock is <state dir>/agent.lock, held with flock() while the program runs and
// holding "PID PROGRAM" for the next one to read. The tray takes over from a daemon (it asks it
// to stop with SIGTERM and waits); a daemon never takes over from the tray.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

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
    int fd_ = -1;
};

// Asks `holder` to stop (SIGTERM) and waits up to `seconds` for the lock. Only a daemon is asked.
std::unique_ptr<AgentLock> takeOver(const std::filesystem::path& stateDir,
                                    const std::string& program, const LockHolder& holder,
                                    int seconds);

}  // namespace certagent::app
