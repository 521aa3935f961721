#pragma once
// Time is a seam: the agent asks its Clock, tests inject a ManualClock and advance days.
#include <chrono>
#include <ctime>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace certagent {

using TimePoint = std::chrono::system_clock::time_point;

class Clock {
public:
    virtual ~Clock() = default;
    virtual TimePoint now() const = 0;
    // Called when the clock jumps (set by hand, resumed from suspend, a test advancing);
    // the scheduler re-plans its sleep.
    void onJump(std::function<void()> fn);

protected:
    void notifyJump();

private:
    mutable std::mutex mutex_;
    std::vector<std::function<void()>> listeners_;
};

class SystemClock final : public Clock {
public:
    TimePoint now() const override { return std::chrono::system_clock::now(); }
};

class ManualClock final : public Clock {
public:
    explicit ManualClock(TimePoint start) : now_(start) {}
    TimePoint now() const override;
    void set(TimePoint t);
    void advance(std::chrono::system_clock::duration d);

private:
    mutable std::mutex m_;
    TimePoint now_;
};

// Milliseconds since the Unix epoch.
int64_t toEpochMs(TimePoint t);
TimePoint fromEpochMs(int64_t ms);
// ISO 8601 UTC "2026-11-25T15:07:09Z"; parse accepts that form and an offset (+02:00).
std::string toIso8601(TimePoint t);
TimePoint parseIso8601(const std::string& text);  // throws certagent::Error(InvalidInput)
// The same form for seconds since the epoch: every year a certificate can name (0000..9999),
// which TimePoint (nanoseconds, 1678..2262) cannot hold.
std::string toIso8601(std::time_t t);
// timegm(), which Windows lacks: seconds since the epoch of a calendar time in UTC (fields out
// of range roll over as timegm's do; tm_wday, tm_yday and tm_isdst are ignored).
std::time_t utcEpoch(const std::tm& utc);

// Days left as the user counts them on a wall calendar: from today's local date to the local
// date of `until` (0: that day is today; negative: past). The one rule shared by the tray, the
// CLI and the reminders, so they never show 11 and 12 days for the same certificate.
long localCalendarDaysBetween(TimePoint now, TimePoint until);

}  // namespace certagent
