#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "certagent/core/scheduler.hpp"

using namespace certagent;
using namespace std::chrono_literals;

TEST(Scheduler, ManualClockJumpFiresDueTimersWithoutRealWaiting) {
    ManualClock clock(parseIso8601("2026-01-01T00:00:00Z"));
    Scheduler s(clock);
    std::promise<void> fired;
    s.scheduleAt(parseIso8601("2026-03-01T00:00:00Z"), [&] { fired.set_value(); });
    auto f = fired.get_future();
    EXPECT_EQ(f.wait_for(100ms), std::future_status::timeout);
    clock.advance(std::chrono::hours(24 * 60));
    EXPECT_EQ(f.wait_for(5s), std::future_status::ready);
    EXPECT_EQ(s.pending(), 0u);
}

TEST(Scheduler, CancelledTimerNeverRuns) {
    ManualClock clock(parseIso8601("2026-01-01T00:00:00Z"));
    Scheduler s(clock);
    std::atomic<bool> ran{false};
    auto id = s.scheduleAt(parseIso8601("2026-01-02T00:00:00Z"), [&] { ran = true; });
    s.cancel(id);
    clock.advance(std::chrono::hours(48));
    std::this_thread::sleep_for(50ms);
    EXPECT_FALSE(ran.load());
}

TEST(Scheduler, SleepsWhileIdle) {
    SystemClock clock;
    Scheduler s(clock);
    s.scheduleAt(clock.now() + std::chrono::hours(1), [] {});
    auto before = s.wakeups();
    std::this_thread::sleep_for(300ms);
    EXPECT_LE(s.wakeups() - before, 1u);  // no polling
}

TEST(Clock, Iso8601RoundTripAndOffsets) {
    auto t = parseIso8601("2026-11-25T15:07:09Z");
    EXPECT_EQ(toIso8601(t), "2026-11-25T15:07:09Z");
    EXPECT_EQ(parseIso8601("2026-11-25T17:07:09+02:00"), t);
    EXPECT_EQ(toIso8601(parseIso8601("2026-11-25")), "2026-11-25T00:00:00Z");
    EXPECT_THROW(parseIso8601("25/11/2026"), std::exception);
    EXPECT_THROW(parseIso8601("2026-13-01T00:00:00Z"), std::exception);
}
