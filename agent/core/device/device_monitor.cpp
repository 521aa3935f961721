#include "certagent/core/device/device_monitor.hpp"

#include <algorithm>

#include "certagent/core/clock.hpp"
#include "certagent/core/events.hpp"
#include "certagent/core/log.hpp"

namespace certagent::device {

nlohmann::json deviceEventJson(const DeviceEvent& e) {
    nlohmann::json j{{"type", events::kDevice},
                     {"source", e.source},
                     {"action", deviceActionName(e.action)},
                     {"time", toIso8601(e.time)}};
    if (!e.device.empty()) j["device"] = e.device;
    if (e.vid) j["vid"] = fmt::format("{:04x}", *e.vid);
    if (e.pid) j["pid"] = fmt::format("{:04x}", *e.pid);
    if (!e.reader.empty()) j["reader"] = e.reader;
    if (!e.atr.empty()) j["atr"] = e.atr;
    return j;
}

DeviceMonitor::DeviceMonitor(EventBus& bus, std::vector<std::unique_ptr<DeviceSource>> sources,
                             Rescan rescan, MonitorOptions options)
    : bus_(bus),
      sourceObjects_(std::move(sources)),
      rescan_(std::move(rescan)),
      options_(std::move(options)) {
    for (const auto& s : sourceObjects_) status_.push_back({s->name(), false, false});
}

DeviceMonitor::~DeviceMonitor() { stop(); }

void DeviceMonitor::start() {
    {
        std::lock_guard lock(mutex_);
        if (running_) return;
        running_ = true;
        stop_ = false;
        initialPending_ = true;
    }
    for (std::size_t i = 0; i < sourceObjects_.size(); ++i) {
        bool ok = false;
        try {
            ok = sourceObjects_[i]->start(
                {.onEvent = [this, i](const DeviceEvent& e) { onEvent(i, e); },
                 .onActive = [this, i](bool active) { onActive(i, active); }});
        } catch (const std::exception& e) {
            log::warn("device", "source {} failed to start: {}", status_[i].name, e.what());
        }
        std::lock_guard lock(mutex_);
        status_[i].started = ok;
        if (!ok) status_[i].active = false;
        log::info("device", "source {}: {}", status_[i].name, ok ? "started" : "unavailable");
    }
    {
        std::lock_guard lock(mutex_);
        if (!anyActiveLocked())
            pollDue_ = std::chrono::steady_clock::now() + options_.pollInterval;
    }
    publishStatus();
    thread_ = std::thread([this] { run(); });
}

void DeviceMonitor::stop() {
    {
        std::lock_guard lock(mutex_);
        if (!running_) return;
    }
    // Sources first: after this no callback touches the monitor.
    for (auto& s : sourceObjects_) s->stop();
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    std::lock_guard lock(mutex_);
    running_ = false;
    for (auto& s : status_) s.active = s.started = false;
}

void DeviceMonitor::requestRescan() {
    {
        std::lock_guard lock(mutex_);
        debounceDue_ = std::chrono::steady_clock::now() + options_.debounce;
    }
    cv_.notify_all();
}

void DeviceMonitor::onEvent(std::size_t index, const DeviceEvent& e) {
    log::debug("device", "{} {} {}{}", status_[index].name, deviceActionName(e.action), e.device,
               e.reader);
    bus_.publish(deviceEventJson(e));
    {
        std::lock_guard lock(mutex_);
        auto now = std::chrono::steady_clock::now();
        const bool usb = e.action == DeviceAction::UsbAdded || e.action == DeviceAction::UsbRemoved;
        // A rescan now also covers a USB burst still being debounced.
        debounceDue_ = usb && !(debounceDue_ && *debounceDue_ <= now) ? now + options_.debounce
                                                                       : now;
        if (e.action == DeviceAction::UsbAdded)
            for (auto d : options_.usbSettle) settleDue_.push_back(now + d);
    }
    cv_.notify_all();
}

void DeviceMonitor::onActive(std::size_t index, bool active) {
    {
        std::lock_guard lock(mutex_);
        if (status_[index].active == active) return;
        status_[index].active = active;
        bool any = anyActiveLocked();
        if (!any && !pollDue_) pollDue_ = std::chrono::steady_clock::now() + options_.pollInterval;
        if (any) pollDue_.reset();
        // What happened while the source was away is unknown: look again (the initial rescan
        // covers a source that becomes active while starting). Losing a source also changes
        // what can be seen (tokens behind pcscd are gone with it).
        if (!initialPending_) debounceDue_ = std::chrono::steady_clock::now() + options_.debounce;
    }
    log::info("device", "source {} {}", status_[index].name, active ? "active" : "inactive");
    publishStatus();
    cv_.notify_all();
}

bool DeviceMonitor::anyActiveLocked() const {
    return std::any_of(status_.begin(), status_.end(), [](const auto& s) { return s.active; });
}

void DeviceMonitor::publishStatus() {
    nlohmann::json list = nlohmann::json::array();
    bool polling;
    {
        std::lock_guard lock(mutex_);
        for (const auto& s : status_)
            list.push_back({{"name", s.name}, {"active", s.active}});
        polling = !anyActiveLocked();
    }
    bus_.publish({{"type", kDeviceMonitorStatus},
                  {"sources", std::move(list)},
                  {"polling", polling},
                  {"time", toIso8601(std::chrono::system_clock::now())}});
}

std::vector<SourceStatus> DeviceMonitor::sources() const {
    std::lock_guard lock(mutex_);
    return status_;
}

bool DeviceMonitor::polling() const {
    std::lock_guard lock(mutex_);
    return !anyActiveLocked();
}

std::uint64_t DeviceMonitor::rescans() const {
    std::lock_guard lock(mutex_);
    return rescans_;
}

std::uint64_t DeviceMonitor::wakeups() const {
    std::lock_guard lock(mutex_);
    return wakeups_;
}

void DeviceMonitor::run() {
    std::unique_lock lock(mutex_);
    while (!stop_) {
        auto now = std::chrono::steady_clock::now();
        bool initial = initialPending_;
        bool due = initial;
        if (debounceDue_ && *debounceDue_ <= now) {
            debounceDue_.reset();
            due = true;
        }
        auto settled = std::remove_if(settleDue_.begin(), settleDue_.end(),
                                      [&](SteadyTime t) { return t <= now; });
        if (settled != settleDue_.end()) {
            settleDue_.erase(settled, settleDue_.end());
            // A pending debounce covers this one.
            if (!debounceDue_) due = true;
        }
        if (pollDue_ && *pollDue_ <= now) {
            pollDue_ = anyActiveLocked() ? std::nullopt
                                         : std::optional(now + options_.pollInterval);
            due = true;
        }
        if (due) {
            if (initial) debounceDue_.reset();  // the initial rescan sees everything so far
            initialPending_ = false;
            lock.unlock();
            try {
                rescan_(initial);
            } catch (const std::exception& e) {
                log::error("device", "rescan failed: {}", e.what());
            }
            lock.lock();
            ++rescans_;
            continue;
        }
        // Sleep until the nearest deadline, or for good when there is none.
        std::optional<SteadyTime> next = debounceDue_;
        for (auto t : settleDue_)
            if (!next || t < *next) next = t;
        if (pollDue_ && (!next || *pollDue_ < *next)) next = pollDue_;
        if (next)
            cv_.wait_until(lock, *next);
        else
            cv_.wait(lock);
        ++wakeups_;
    }
}

}  // namespace certagent::device
