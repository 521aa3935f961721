#include "agent_lock.hpp"

#include <chrono>
#include <thread>

#ifndef _WIN32
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>
#endif

#include "certagent/core/log.hpp"

namespace certagent::app {
namespace fs = std::filesystem;

#ifndef _WIN32

namespace {
std::optional<LockHolder> readHolder(int fd) {
    char buf[128] = {};
    auto n = ::pread(fd, buf, sizeof buf - 1, 0);
    if (n <= 0) return std::nullopt;
    LockHolder h;
    std::string s(buf, static_cast<size_t>(n));
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
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        // A read-only or foreign state folder: the state store says so more precisely.
        log::warn("app", "cannot open {}: the agent runs without its lock", path.string());
        return std::unique_ptr<AgentLock>(new AgentLock());
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        holder = readHolder(fd);
        if (!holder) holder = LockHolder{0, "?"};
        ::close(fd);
        return nullptr;
    }
    auto line = std::to_string(::getpid()) + " " + program + "\n";
    if (::ftruncate(fd, 0) != 0 ||
        ::pwrite(fd, line.data(), line.size(), 0) != static_cast<ssize_t>(line.size()))
        log::warn("app", "cannot write {}", path.string());
    std::unique_ptr<AgentLock> lock(new AgentLock());
    lock->fd_ = fd;
    return lock;
}

AgentLock::~AgentLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the flock
}

std::unique_ptr<AgentLock> takeOver(const fs::path& stateDir, const std::string& program,
                                    const LockHolder& holder, int seconds) {
    if (holder.program != "daemon" || holder.pid <= 0) return nullptr;
    log::info("app", "asking the daemon (PID {}) to stop: the {} takes over", holder.pid, program);
    if (::kill(holder.pid, SIGTERM) != 0) return nullptr;
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    std::optional<LockHolder> now;
    while (std::chrono::steady_clock::now() < end) {
        if (auto lock = AgentLock::tryAcquire(stateDir, program, now)) return lock;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return nullptr;
}

#else  // Windows: one agent per session is the tray's single instance; no lock here yet.

std::unique_ptr<AgentLock> AgentLock::tryAcquire(const fs::path&, const std::string&,
                                                 std::optional<LockHolder>& holder) {
    holder.reset();
    return std::unique_ptr<AgentLock>(new AgentLock());
}
AgentLock::~AgentLock() = default;
std::unique_ptr<AgentLock> takeOver(const fs::path&, const std::string&, const LockHolder&, int) {
    return nullptr;
}

#endif

}  // namespace certagent::app
