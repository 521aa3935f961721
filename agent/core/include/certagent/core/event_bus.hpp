#pragma once
// The event bus: events are JSON objects with a "type" ("TokenInserted", "TokenRemoved",
// "CertificatesChanged", "ReminderDue", "RenewalProgress", ...). Subscribers run on the bus's
// own thread, in publication order, so a slow subscriber never blocks the publisher.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>

namespace certagent {

class EventBus {
public:
    using Handler = std::function<void(const nlohmann::json&)>;
    EventBus();
    ~EventBus();
    EventBus(const EventBus&) = delete;
    EventBus& operator=(const EventBus&) = delete;

    // types: comma-separated event types, or "*" for all.
    uint64_t subscribe(const std::string& types, Handler handler);
    // After unsubscribe returns, the handler is not running and will not run again.
    void unsubscribe(uint64_t id);
    void publish(nlohmann::json event);
    // Blocks until every event published so far has been delivered.
    void drain();
    // Stops delivering: queued events are dropped, a handler that runs now is waited for, and
    // later publications are ignored. For the agent's shutdown; idempotent.
    void close();

private:
    struct Subscription {
        std::set<std::string> types;  // empty: all
        Handler handler;
    };
    void run();

    std::mutex mutex_;
    std::condition_variable cv_;
    std::condition_variable idle_cv_;
    std::deque<nlohmann::json> queue_;
    std::map<uint64_t, Subscription> subs_;
    uint64_t next_id_ = 1;
    bool delivering_ = false;
    std::thread::id thread_id_;
    std::mutex delivery_mutex_;  // held while a handler runs (unsubscribe waits on it)
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace certagent
