#pragma once
// Runs callbacks at due times on its own thread. It sleeps until the nearest due time (no
// polling) and re-plans when a timer is added or cancelled or the clock jumps. Waits are
// absolute on the real-time clock, so setting the clock or resuming from suspend wakes it.
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "certagent/core/clock.hpp"

namespace certagent {

class Scheduler {
public:
    explicit Scheduler(Clock& clock);
    ~Scheduler();
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    uint64_t scheduleAt(TimePoint due, std::function<void()> fn);
    // After cancel returns, fn is not running and will not run.
    void cancel(uint64_t id);
    std::size_t pending() const;
    // No callback runs after this returns (one that runs now is waited for); later timers are
    // kept but never fire. For the agent's shutdown; idempotent.
    void stop();
    // Count of times the thread woke up (for idle-cost benchmarks and tests).
    uint64_t wakeups() const;

private:
    void run();
    struct Timer {
        TimePoint due;
        std::function<void()> fn;
    };
    Clock& clock_;
    mutable std::mutex mutex_;
    std::mutex running_;  // held while a callback runs
    std::condition_variable cv_;
    std::map<uint64_t, Timer> timers_;
    uint64_t next_id_ = 1;
    uint64_t wakeups_ = 0;
    bool stop_ = false;
    bool replan_ = false;
    std::thread::id thread_id_;
    std::thread thread_;
};

}  // namespace certagent
