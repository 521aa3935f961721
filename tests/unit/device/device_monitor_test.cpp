// The monitor's timing rules, with scripted sources: debounce, USB settle rescans, the poll
// fallback only while no source is active, and a quiet thread otherwise.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "certagent/core/device/device_monitor.hpp"

using namespace certagent;
using namespace certagent::device;
using namespace std::chrono_literals;

namespace {

class ScriptedSource final : public DeviceSource {
public:
    explicit ScriptedSource(bool available = true, bool activeAtStart = true)
        : available_(available), activeAtStart_(activeAtStart) {}
    const char* name() const noexcept override { return "scripted"; }
    bool start(SourceCallbacks callbacks) override {
        if (!available_) return false;
        callbacks_ = std::move(callbacks);
        if (activeAtStart_) callbacks_.onActive(true);
        return true;
    }
    void stop() override { stopped = true; }
    void emit(DeviceAction action) {
        DeviceEvent e;
        e.source = "udev";
        e.action = action;
        e.vid = 0x096E;
        e.pid = 0x0807;
        callbacks_.onEvent(e);
    }
    void setActive(bool a) { callbacks_.onActive(a); }
    std::atomic<bool> stopped{false};

private:
    bool available_;
    bool activeAtStart_;
    SourceCallbacks callbacks_;
};

struct Counter {
    std::atomic<int> rescans{0};
    std::atomic<int> initial{0};
    DeviceMonitor::Rescan fn() {
        return [this](bool init) {
            if (init) ++initial;
            ++rescans;
        };
    }
};

template <typename Pred>
bool waitFor(Pred pred, std::chrono::milliseconds timeout = 3s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!pred()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

MonitorOptions fast() {
    MonitorOptions o;
    o.debounce = 30ms;
    o.usbSettle = {150ms};
    o.pollInterval = 100ms;
    return o;
}

}  // namespace

TEST(DeviceMonitor, StartRunsOneInitialRescanThenSleeps) {
    EventBus bus;
    Counter c;
    std::vector<std::unique_ptr<DeviceSource>> sources;
    sources.push_back(std::make_unique<ScriptedSource>());
    DeviceMonitor monitor(bus, std::move(sources), c.fn(), fast());
    monitor.start();
    ASSERT_TRUE(waitFor([&] { return c.rescans == 1; }));
    std::this_thread::sleep_for(400ms);  // four poll intervals: none may run
    EXPECT_EQ(c.rescans, 1);
    EXPECT_EQ(c.initial, 1);
    EXPECT_FALSE(monitor.polling());
    EXPECT_LE(monitor.wakeups(), 1u);
    monitor.stop();
}

TEST(DeviceMonitor, BurstOfUsbEventsGivesOneRescanAndOneDeviceEventEach) {
    EventBus bus;
    std::atomic<int> deviceEvents{0};
    bus.subscribe("Device", [&](const nlohmann::json& j) {
        EXPECT_EQ(j["vid"], "096e");
        EXPECT_EQ(j["action"], "usb_removed");
        ++deviceEvents;
    });
    Counter c;
    auto* src = new ScriptedSource();
    std::vector<std::unique_ptr<DeviceSource>> sources;
    sources.emplace_back(src);
    DeviceMonitor monitor(bus, std::move(sources), c.fn(), fast());
    monitor.start();
    ASSERT_TRUE(waitFor([&] { return c.rescans == 1; }));
    for (int i = 0; i < 5; ++i) src->emit(DeviceAction::UsbRemoved);
    ASSERT_TRUE(waitFor([&] { return c.rescans == 2; }));
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(c.rescans, 2);
    bus.drain();
    EXPECT_EQ(deviceEvents, 5);
    monitor.stop();
}

TEST(DeviceMonitor, CardEventIsRescannedWithoutWaitingForTheDebounce) {
    EventBus bus;
    Counter c;
    auto* src = new ScriptedSource();
    std::vector<std::unique_ptr<DeviceSource>> sources;
    sources.emplace_back(src);
    auto options = fast();
    options.debounce = 5s;  // a USB burst would wait this long; a card event must not
    DeviceMonitor monitor(bus, std::move(sources), c.fn(), options);
    monitor.start();
    ASSERT_TRUE(waitFor([&] { return c.rescans == 1; }));
    src->emit(DeviceAction::UsbRemoved);  // starts a 5 s debounce
    src->emit(DeviceAction::CardInserted);  // rescans now, covering the USB event too
    EXPECT_TRUE(waitFor([&] { return c.rescans == 2; }, 2s));
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(c.rescans, 2);
    monitor.stop();
}

TEST(DeviceMonitor, UsbAdditionGetsAFollowUpRescan) {
    EventBus bus;
    Counter c;
    auto* src = new ScriptedSource();
    std::vector<std::unique_ptr<DeviceSource>> sources;
    sources.emplace_back(src);
    DeviceMonitor monitor(bus, std::move(sources), c.fn(), fast());
    monitor.start();
    ASSERT_TRUE(waitFor([&] { return c.rescans == 1; }));
    src->emit(DeviceAction::UsbAdded);
    ASSERT_TRUE(waitFor([&] { return c.rescans == 3; }));  // debounce + settle
    std::this_thread::sleep_for(300ms);
    EXPECT_EQ(c.rescans, 3);
    monitor.stop();
}

TEST(DeviceMonitor, PollsOnlyWhileNoSourceIsActive) {
    EventBus bus;
    Counter c;
    std::atomic<int> statusEvents{0};
    std::atomic<bool> lastPolling{false};
    bus.subscribe("DeviceMonitorStatus", [&](const nlohmann::json& j) {
        ++statusEvents;
        lastPolling = j["polling"].get<bool>();
    });
    auto* src = new ScriptedSource(true, /*activeAtStart=*/false);
    std::vector<std::unique_ptr<DeviceSource>> sources;
    sources.emplace_back(src);
    sources.push_back(std::make_unique<ScriptedSource>(/*available=*/false));
    DeviceMonitor monitor(bus, std::move(sources), c.fn(), fast());
    monitor.start();
    EXPECT_TRUE(monitor.polling());
    ASSERT_TRUE(waitFor([&] { return c.rescans >= 4; }));  // initial + polls every 100 ms

    src->setActive(true);  // e.g. pcscd came up: one rescan, then no more polling
    EXPECT_FALSE(monitor.polling());
    std::this_thread::sleep_for(100ms);
    int settled = c.rescans;
    std::this_thread::sleep_for(400ms);
    EXPECT_EQ(c.rescans, settled);

    src->setActive(false);  // gone again: polling resumes
    ASSERT_TRUE(waitFor([&] { return c.rescans >= settled + 3; }));
    bus.drain();
    EXPECT_TRUE(lastPolling);
    EXPECT_GE(statusEvents, 3);
    monitor.stop();
}

TEST(DeviceMonitor, StopStopsTheSourcesAndReturnsPromptly) {
    EventBus bus;
    Counter c;
    auto* src = new ScriptedSource();
    std::vector<std::unique_ptr<DeviceSource>> sources;
    sources.emplace_back(src);
    DeviceMonitor monitor(bus, std::move(sources), c.fn(), fast());
    monitor.start();
    auto t0 = std::chrono::steady_clock::now();
    monitor.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);
    EXPECT_TRUE(src->stopped);
    monitor.stop();  // idempotent
}

TEST(DeviceMonitor, ExplicitRescanRequestIsDebounced) {
    EventBus bus;
    Counter c;
    std::vector<std::unique_ptr<DeviceSource>> sources;
    sources.push_back(std::make_unique<ScriptedSource>());
    DeviceMonitor monitor(bus, std::move(sources), c.fn(), fast());
    monitor.start();
    ASSERT_TRUE(waitFor([&] { return c.rescans == 1; }));
    monitor.requestRescan();
    monitor.requestRescan();
    ASSERT_TRUE(waitFor([&] { return c.rescans == 2; }));
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(c.rescans, 2);
    monitor.stop();
}
