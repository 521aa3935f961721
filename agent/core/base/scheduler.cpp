#include "certagent/core/scheduler.hpp"

#include "certagent/core/log.hpp"

namespace certagent {

Scheduler::Scheduler(Clock& clock) : clock_(clock) {
    clock_.onJump([this] {
        {
            std::lock_guard lock(mutex_);
            replan_ = true;
        }
        cv_.notify_all();
    });
    thread_ = std::thread([this] { run(); });
}

Scheduler::~Scheduler() { stop(); }

void Scheduler::stop() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable() && std::this_thread::get_id() != thread_.get_id()) thread_.join();
}

uint64_t Scheduler::scheduleAt(TimePoint due, std::function<void()> fn) {
    uint64_t id;
    {
        std::lock_guard lock(mutex_);
        id = next_id_++;
        timers_[id] = Timer{due, std::move(fn)};
        replan_ = true;
    }
    cv_.notify_all();
    return id;
}

void Scheduler::cancel(uint64_t id) {
    if (std::this_thread::get_id() != thread_id_) {
        std::lock_guard running(running_);
        std::lock_guard lock(mutex_);
        timers_.erase(id);
    } else {
        std::lock_guard lock(mutex_);
        timers_.erase(id);
    }
}

std::size_t Scheduler::pending() const {
    std::lock_guard lock(mutex_);
    return timers_.size();
}

uint64_t Scheduler::wakeups() const {
    std::lock_guard lock(mutex_);
    return wakeups_;
}

void Scheduler::run() {
    thread_id_ = std::this_thread::get_id();
    std::unique_lock lock(mutex_);
    while (!stop_) {
        replan_ = false;
        // The nearest due timer.
        auto next = timers_.end();
        for (auto it = timers_.begin(); it != timers_.end(); ++it)
            if (next == timers_.end() || it->second.due < next->second.due) next = it;
        if (next == timers_.end()) {
            cv_.wait(lock, [&] { return stop_ || replan_; });
            ++wakeups_;
            continue;
        }
        auto now = clock_.now();
        if (next->second.due > now) {
            // Absolute real-time deadline: the kernel wakes us if the clock is set or after
            // a suspend; a ManualClock jump arrives through replan_.
            auto deadline = std::chrono::system_clock::now() + (next->second.due - now);
            cv_.wait_until(lock, deadline, [&] { return stop_ || replan_; });
            ++wakeups_;
            continue;
        }
        auto fn = std::move(next->second.fn);
        timers_.erase(next);
        lock.unlock();
        {
            std::lock_guard running(running_);
            try {
                fn();
            } catch (const std::exception& e) {
                log::error("scheduler", "a scheduled job failed: {}", e.what());
            }
        }
        lock.lock();
    }
}

}  // namespace certagent
