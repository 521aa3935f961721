#include "calendar.hpp"

#include <algorithm>
#include <ctime>

#define CERTAGENT_SDK_GETTEXT
#include <certagent/sdk/plugin.hpp>

namespace expiry_reminders {
TimePoint thresholdStart(TimePoint notAfter, int days) {
    if (days == kExpired) return notAfter;
    auto tm = localTm(notAfter);
    tm.tm_mday -= days;  // mktime normalises across months and years
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    tm.tm_isdst = -1;  // let mktime decide whether that midnight is in summer time
    std::time_t t = std::mktime(&tm);
    auto start = std::chrono::system_clock::from_time_t(t);
    // A midnight skipped by a DST change resolves to a moment of that day; never past expiry.
    return std::min(start, notAfter);
}

long localDaysLeft(TimePoint now, TimePoint notAfter) {
    return localCalendarDaysBetween(now, notAfter);
}

std::optional<int> currentThreshold(TimePoint now, TimePoint notAfter,
                                    const std::vector<int>& thresholds) {
    if (now >= notAfter) return kExpired;
    std::optional<int> best;
    for (int t : thresholds)
        if (t >= 0 && thresholdStart(notAfter, t) <= now && (!best || t < *best)) best = t;
    return best;
}

std::optional<int> nextThreshold(std::optional<int> after, const std::vector<int>& thresholds) {
    if (after && *after == kExpired) return std::nullopt;
    std::optional<int> best;
    for (int t : thresholds)
        if (t >= 0 && (!after || t < *after) && (!best || t > *best)) best = t;
    return best ? best : std::optional<int>(kExpired);
}

std::vector<int> normalizeThresholds(const std::vector<int64_t>& days) {
    std::vector<int> out;
    for (auto d : days)
        if (d >= 0) out.push_back(static_cast<int>(d));
    std::sort(out.begin(), out.end(), std::greater<>());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

std::string formatLocal(TimePoint t) {
    auto tm = localTm(t);
    // TRANSLATORS: strftime format of an expiry date in the user's local time.
    const char* format = _("%Y-%m-%d %H:%M %Z");
    char buf[128];
    // The format is a translation of a fixed msgid, not outside input.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    std::size_t n = std::strftime(buf, sizeof buf, format, &tm);
#pragma GCC diagnostic pop
    return std::string(buf, n);
}

}  // namespace expiry_reminders
