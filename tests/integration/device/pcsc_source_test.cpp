// The PC/SC source against a real pcscd with a vpcd reader and vicc cards.
#include <gtest/gtest.h>

#include <condition_variable>
#include <ctime>
#include <mutex>

#include "linux/pcsc_source.hpp"
#include "lab.hpp"
#include "pcsc_lab.hpp"

using namespace certagent;
using namespace certagent::testing;
using namespace std::chrono_literals;
using device::DeviceAction;

namespace {

// Events and availability as the source reports them, with bounded waits.
class Recorder {
public:
    device::SourceCallbacks callbacks() {
        return {.onEvent =
                    [this](const device::DeviceEvent& e) {
                        std::lock_guard lock(m_);
                        events_.push_back(e);
                        cv_.notify_all();
                    },
                .onActive =
                    [this](bool a) {
                        std::lock_guard lock(m_);
                        active_ = a;
                        ++activeChanges_;
                        cv_.notify_all();
                    }};
    }
    // The first event with this action after index `from`; nullopt on timeout.
    std::optional<device::DeviceEvent> waitEvent(DeviceAction action, std::size_t from = 0,
                                                 std::chrono::milliseconds timeout = 10s) {
        std::unique_lock lock(m_);
        std::optional<device::DeviceEvent> found;
        cv_.wait_for(lock, timeout, [&] {
            for (std::size_t i = from; i < events_.size(); ++i)
                if (events_[i].action == action) {
                    found = events_[i];
                    return true;
                }
            return false;
        });
        return found;
    }
    bool waitActive(bool want, std::chrono::milliseconds timeout = 10s) {
        std::unique_lock lock(m_);
        return cv_.wait_for(lock, timeout, [&] { return active_ == want; });
    }
    std::size_t count() {
        std::lock_guard lock(m_);
        return events_.size();
    }
    int activeChanges() {
        std::lock_guard lock(m_);
        return activeChanges_;
    }

private:
    std::mutex m_;
    std::condition_variable cv_;
    std::vector<device::DeviceEvent> events_;
    bool active_ = false;
    int activeChanges_ = 0;
};

double processCpuSeconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

#define SKIP_WITHOUT_PCSC_LAB()                                  \
    if (auto why = PcscLab::unavailableReason(); !why.empty()) { \
        CERTAGENT_NEED_LAB(why);                                 \
    }

}  // namespace

TEST(PcscSource, VirtualCardInsertionAndRemovalAreReported) {
    SKIP_WITHOUT_PCSC_LAB();
    PcscLab lab;
    lab.activate();
    lab.startPcscd();
    ASSERT_TRUE(lab.waitForPcscd()) << lab.pcscdLog();
    Recorder rec;
    platform::PcscSource source;
    ASSERT_TRUE(source.start(rec.callbacks()));
    ASSERT_TRUE(rec.waitActive(true)) << lab.pcscdLog();
    EXPECT_EQ(rec.count(), 0u) << "readers present at start are the baseline, not events";

    lab.insertCard();
    auto in = rec.waitEvent(DeviceAction::CardInserted);
    ASSERT_TRUE(in) << lab.pcscdLog();
    EXPECT_EQ(in->source, "pcsc");
    EXPECT_NE(in->reader.find("Virtual PCD"), std::string::npos) << in->reader;
    EXPECT_FALSE(in->atr.empty());

    auto mark = rec.count();
    lab.removeCard();
    auto out = rec.waitEvent(DeviceAction::CardRemoved, mark);
    ASSERT_TRUE(out);
    EXPECT_EQ(out->reader, in->reader);

    // Blocked in SCardGetStatusChange(INFINITE): SCardCancel must end it at once.
    auto t0 = std::chrono::steady_clock::now();
    source.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
}

TEST(PcscSource, WaitsForPcscdWithoutSpinningAndFollowsItsRestart) {
    SKIP_WITHOUT_PCSC_LAB();
    PcscLab lab;
    lab.activate();
    Recorder rec;
    platform::PcscSource source;
    ASSERT_TRUE(source.start(rec.callbacks()));  // no pcscd yet

    double cpu0 = processCpuSeconds();
    std::this_thread::sleep_for(1500ms);
    double idleCpu = processCpuSeconds() - cpu0;
    EXPECT_LT(idleCpu, 0.05) << "waiting for pcscd must not spin";
    EXPECT_EQ(rec.activeChanges(), 0);

    // pcscd creates its socket: inotify wakes the source well before the 2 s back-off.
    auto t0 = std::chrono::steady_clock::now();
    lab.startPcscd();
    ASSERT_TRUE(rec.waitActive(true)) << lab.pcscdLog();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1900ms);

    lab.insertCard();
    ASSERT_TRUE(rec.waitEvent(DeviceAction::CardInserted));

    // pcscd goes away (card and readers with it) and comes back.
    lab.removeCard();
    lab.stopPcscd();
    ASSERT_TRUE(rec.waitActive(false)) << lab.pcscdLog();
    cpu0 = processCpuSeconds();
    std::this_thread::sleep_for(1000ms);
    EXPECT_LT(processCpuSeconds() - cpu0, 0.05) << "no busy loop while pcscd is down";

    auto mark = rec.count();
    lab.startPcscd();
    ASSERT_TRUE(rec.waitActive(true, 15s)) << lab.pcscdLog();
    // The card pulled out while pcscd was down is reported once pcscd is back.
    EXPECT_TRUE(rec.waitEvent(DeviceAction::CardRemoved, 0, 2s));
    lab.insertCard();
    ASSERT_TRUE(rec.waitEvent(DeviceAction::CardInserted, mark)) << lab.pcscdLog();

    auto t1 = std::chrono::steady_clock::now();
    source.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - t1, 1s);
}

TEST(PcscSource, StopWhileWaitingForPcscdIsPrompt) {
    SKIP_WITHOUT_PCSC_LAB();
    PcscLab lab;
    lab.activate();
    Recorder rec;
    platform::PcscSource source;
    ASSERT_TRUE(source.start(rec.callbacks()));
    std::this_thread::sleep_for(200ms);
    auto t0 = std::chrono::steady_clock::now();
    source.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);
}
