#pragma once
// Work for one host job at a time, in the order it was posted (certagent.jobs/1). Event and
// timer callbacks must not block, so they post here; reading tokens and running the hook then
// happen on a host worker thread. No thread waits for work: a job runs while there is some.
#include <certagent/sdk/plugin.hpp>

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>

namespace expiry_reminders {

class WorkQueue {
  public:
    WorkQueue(certagent::sdk::Host& host, std::string what) : host_(host), what_(std::move(what)) {}

    void post(std::function<void()> task) {
        {
            std::lock_guard lock(mutex_);
            queue_.push_back(std::move(task));
            if (running_) return;
            running_ = true;
        }
        try {
            host_.jobs().start([this](uint64_t job) { drain(job); });
        } catch (const std::exception& e) {
            // The plugin is being unloaded (or the agent has no jobs): nothing will run it.
            std::lock_guard lock(mutex_);
            running_ = false;
            queue_.clear();
            idle_.notify_all();
            host_.warn(what_ + ": " + e.what());
        }
    }

    // Blocks until everything posted so far has run (the CLI's "status", tests).
    void waitIdle() {
        std::unique_lock lock(mutex_);
        idle_.wait(lock, [&] { return !running_; });
    }

  private:
    void drain(uint64_t job) {
        for (;;) {
            std::function<void()> task;
            {
                std::lock_guard lock(mutex_);
                if (!queue_.empty() && host_.jobs().stopRequested(job)) {
                    host_.info(std::to_string(queue_.size()) + " " + what_ +
                               " task(s) not run: the agent is stopping");
                    queue_.clear();
                }
                if (queue_.empty()) {
                    running_ = false;
                    idle_.notify_all();
                    return;
                }
                task = std::move(queue_.front());
                queue_.pop_front();
            }
            try {
                task();
            } catch (const std::exception& e) {
                host_.warn(what_ + ": " + e.what());
            }
        }
    }

    certagent::sdk::Host& host_;
    std::string what_;
    std::mutex mutex_;
    std::condition_variable idle_;
    std::deque<std::function<void()>> queue_;
    bool running_ = false;
};

}  // namespace expiry_reminders
