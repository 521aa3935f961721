#include "agent_lock.hpp"

#include <chrono>
#include <system_error>
#include <thread>

#include "certagent/core/log.hpp"
#include "certagent/core/platform/file_lock.hpp"
#include "certagent/core/platform/stop_signals.hpp"
#include "certagent/core/platform/system.hpp"

namespace certagent::app {
namespace fs = std::filesystem;

namespace {
std::optional<LockHolder> readHolder(const platform::FileLock& file) {
    const std::string s = file.read();
    if (s.empty()) return std::nullopt;
    LockHolder h;
    auto space = s.find(' ');
    try {
        h.pid = std::stoi(s.substr(0, space));
    } catch (const std::exception&) {
        return std::nullopt;
    }
    if (space != std::string::npos) {
        h.program = s.substr(space + 1);
        if (auto nl = h.program.find('\n'); nl != std::string::npos) h.program.resize(nl);
    }
    return h;
}
}  // namespace

std::unique_ptr<AgentLock> AgentLock::tryAcquire(const fs::path& stateDir,
                                                 const std::string& program,
                                                 std::optional<LockHolder>& holder) {
    holder.reset();
    auto path = stateDir / "agent.lock";
    std::unique_ptr<AgentLock> lock(new AgentLock());
    try {
        lock->file_ = std::make_unique<platform::FileLock>(path);
    } catch (const std::system_error&) {
        // A read-only or foreign state folder: the state store says so more precisely.
        log::warn("app", "cannot open {}: the agent runs without its lock", path.string());
        return lock;
    }
    if (!lock->file_->tryLock()) {
        holder = readHolder(*lock->file_);
        if (!holder) holder = LockHolder{0, "?"};
        return nullptr;
    }
    if (!lock->file_->replace(std::to_string(platform::currentProcessId()) + " " + program + "\n"))
        log::warn("app", "cannot write {}", path.string());
    return lock;
}

AgentLock::~AgentLock() = default;  // closing the file releases the lock

std::unique_ptr<AgentLock> takeOver(const fs::path& stateDir, const std::string& program,
                                    const LockHolder& holder, int seconds) {
    if (holder.program != "daemon" || holder.pid <= 0) return nullptr;
    log::info("app", "asking the daemon (PID {}) to stop: the {} takes over", holder.pid, program);
    if (!platform::StopSignals::askToStop(holder.pid)) return nullptr;
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    std::optional<LockHolder> now;
    while (std::chrono::steady_clock::now() < end) {
        if (auto lock = AgentLock::tryAcquire(stateDir, program, now)) return lock;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return nullptr;
}

}  // namespace certagent::app
