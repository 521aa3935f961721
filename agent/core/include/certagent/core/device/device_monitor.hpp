#pragma once
// The device monitor: platform event sources in, Device events and debounced rescans out.
//
//   DeviceMonitor monitor(bus, std::move(sources), [&](bool initial) { tracker.rescan(initial); });
//   monitor.start();   // sources start; one initial rescan
//   ...                // every raw event: a Device event on the bus, then a rescan: at once
//                      // for a PC/SC card or reader event (pcscd reports each change once),
//                      // once USB events have been quiet for `debounce` (they come in bursts;
//                      // USB additions also get follow-up rescans, since a driver may publish
//                      // the token a moment after the device)
//   monitor.stop();
//
// While no source is active (none could start, or pcscd is gone and nothing else runs) it
// rescans every `pollInterval` instead. Otherwise its thread sleeps until something happens:
// no timer runs while idle.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "certagent/core/device/device_source.hpp"
#include "certagent/core/event_bus.hpp"

namespace certagent::device {

// Published when a source starts, stops or changes its availability:
//   {type, sources: [{name, active}], polling: bool, time}
inline constexpr const char* kDeviceMonitorStatus = "DeviceMonitorStatus";

// The Device event's JSON (events.hpp).
nlohmann::json deviceEventJson(const DeviceEvent& e);

struct MonitorOptions {
    std::chrono::milliseconds debounce{25};  // USB events and requestRescan()
    // Extra rescans after a USB addition, counted from the event.
    std::vector<std::chrono::milliseconds> usbSettle{std::chrono::milliseconds(1000),
                                                     std::chrono::milliseconds(3000)};
    std::chrono::milliseconds pollInterval{std::chrono::seconds(10)};
};

struct SourceStatus {
    std::string name;
    bool started = false;  // start() succeeded
    bool active = false;   // delivering events now
};

class DeviceMonitor {
public:
    using Rescan = std::function<void(bool initial)>;
    DeviceMonitor(EventBus& bus, std::vector<std::unique_ptr<DeviceSource>> sources,
                  Rescan rescan, MonitorOptions options = {});
    ~DeviceMonitor();
    DeviceMonitor(const DeviceMonitor&) = delete;
    DeviceMonitor& operator=(const DeviceMonitor&) = delete;

    // Starts the sources and the monitor's thread, which runs the initial rescan.
    void start();
    // Stops the sources, then the thread (a rescan in progress finishes first).
    void stop();

    // Asks for a rescan (debounced), e.g. after a renewal wrote a certificate.
    void requestRescan();

    std::vector<SourceStatus> sources() const;
    bool polling() const;
    std::uint64_t rescans() const;  // completed rescans, initial included
    std::uint64_t wakeups() const;  // times the monitor thread woke up (idle-cost tests)

private:
    void onEvent(std::size_t index, const DeviceEvent& e);
    void onActive(std::size_t index, bool active);
    void publishStatus();
    void run();
    bool anyActiveLocked() const;

    using SteadyTime = std::chrono::steady_clock::time_point;
    EventBus& bus_;
    std::vector<std::unique_ptr<DeviceSource>> sourceObjects_;
    Rescan rescan_;
    MonitorOptions options_;

    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<SourceStatus> status_;
    std::optional<SteadyTime> debounceDue_;
    std::vector<SteadyTime> settleDue_;
    std::optional<SteadyTime> pollDue_;
    bool initialPending_ = true;
    bool running_ = false;
    bool stop_ = false;
    std::uint64_t rescans_ = 0;
    std::uint64_t wakeups_ = 0;
    std::thread thread_;
};

}  // namespace certagent::device
