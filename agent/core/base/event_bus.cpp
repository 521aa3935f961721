#include "certagent/core/event_bus.hpp"

#include "certagent/core/log.hpp"

namespace certagent {

EventBus::EventBus() : thread_([this] { run(); }) {}

EventBus::~EventBus() { close(); }

void EventBus::close() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
        queue_.clear();
    }
    cv_.notify_all();
    if (thread_.joinable() && std::this_thread::get_id() != thread_.get_id()) thread_.join();
}

uint64_t EventBus::subscribe(const std::string& types, Handler handler) {
    Subscription s;
    if (types != "*") {
        std::size_t start = 0;
        while (start <= types.size()) {
            auto end = types.find(',', start);
            if (end == std::string::npos) end = types.size();
            auto t = types.substr(start, end - start);
            if (!t.empty()) s.types.insert(t);
            start = end + 1;
        }
    }
    s.handler = std::move(handler);
    std::lock_guard lock(mutex_);
    uint64_t id = next_id_++;
    subs_[id] = std::move(s);
    return id;
}

void EventBus::unsubscribe(uint64_t id) {
    // From inside a handler we cannot wait for ourselves.
    if (std::this_thread::get_id() == thread_id_) {
        std::lock_guard lock(mutex_);
        subs_.erase(id);
        return;
    }
    std::lock_guard delivery(delivery_mutex_);
    std::lock_guard lock(mutex_);
    subs_.erase(id);
}

void EventBus::publish(nlohmann::json event) {
    {
        std::lock_guard lock(mutex_);
        if (stop_) return;  // closed: nobody listens any more
        queue_.push_back(std::move(event));
    }
    cv_.notify_one();
}

void EventBus::drain() {
    std::unique_lock lock(mutex_);
    idle_cv_.wait(lock, [&] { return (queue_.empty() && !delivering_) || stop_; });
}

void EventBus::run() {
    thread_id_ = std::this_thread::get_id();
    std::unique_lock lock(mutex_);
    for (;;) {
        cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
        if (stop_) break;
        auto event = std::move(queue_.front());
        queue_.pop_front();
        delivering_ = true;
        std::string type = event.value("type", "");
        std::vector<uint64_t> ids;
        for (auto& [id, s] : subs_)
            if (s.types.empty() || s.types.count(type)) ids.push_back(id);
        lock.unlock();
        for (auto id : ids) {
            std::lock_guard delivery(delivery_mutex_);
            Handler h;
            {
                std::lock_guard l(mutex_);
                auto it = subs_.find(id);
                if (it == subs_.end()) continue;
                h = it->second.handler;
            }
            try {
                h(event);
            } catch (const std::exception& e) {
                log::error("events", "a handler of {} failed: {}", type, e.what());
            }
        }
        lock.lock();
        delivering_ = false;
        if (queue_.empty()) idle_cv_.notify_all();
    }
    delivering_ = false;
    idle_cv_.notify_all();
}

}  // namespace certagent
