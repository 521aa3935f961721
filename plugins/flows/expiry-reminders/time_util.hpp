#pragma once
// Instants as the plugin keeps them: system_clock time points, epoch milliseconds in its
// database and from the agent's clock (ca_host::now_ms), ISO 8601 UTC in JSON.
#include <chrono>
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>

namespace expiry_reminders {

using TimePoint = std::chrono::system_clock::time_point;

int64_t toEpochMs(TimePoint t);
TimePoint fromEpochMs(int64_t ms);

// "2026-11-25T15:07:00Z"
std::string isoUtc(TimePoint t);
// "2026-11-25T15:07:00Z", also with fractions or a "+02:00" offset; nullopt when it is not one
// (or lies outside 1678..2261, what a system_clock time point holds).
std::optional<TimePoint> parseIso8601(const std::string& text);

// The calendar fields of `t` in the local time zone (localtime_r; localtime_s on Windows).
std::tm localTm(TimePoint t);

// Re-reads TZ / /etc/localtime (tzset): step times follow the current zone.
void reloadTimeZone();

// Local calendar days from now's date to until's date (0: the same day; negative: past).
long localCalendarDaysBetween(TimePoint now, TimePoint until);

}  // namespace expiry_reminders
