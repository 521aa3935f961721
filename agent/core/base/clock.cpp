#include "certagent/core/clock.hpp"

#include <ctime>
#include <fmt/format.h>
#include <regex>

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/platform/system.hpp"

namespace certagent {

void Clock::onJump(std::function<void()> fn) {
    std::lock_guard lock(mutex_);
    listeners_.push_back(std::move(fn));
}

void Clock::notifyJump() {
    std::vector<std::function<void()>> copy;
    {
        std::lock_guard lock(mutex_);
        copy = listeners_;
    }
    for (auto& fn : copy) fn();
}

TimePoint ManualClock::now() const {
    std::lock_guard lock(m_);
    return now_;
}
void ManualClock::set(TimePoint t) {
    {
        std::lock_guard lock(m_);
        now_ = t;
    }
    notifyJump();
}
void ManualClock::advance(std::chrono::system_clock::duration d) {
    {
        std::lock_guard lock(m_);
        now_ += d;
    }
    notifyJump();
}

int64_t toEpochMs(TimePoint t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
TimePoint fromEpochMs(int64_t ms) {
    return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::milliseconds(ms)));
}

namespace {
// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
long daysFromCivil(long y, unsigned m, unsigned d) {
    y -= m <= 2;
    const long era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<long>(doe) - 719468;
}

long localDayNumber(TimePoint t) {
    std::time_t tt = std::chrono::system_clock::to_time_t(t);
    const std::tm tm = platform::localTime(tt);
    return daysFromCivil(tm.tm_year + 1900L, static_cast<unsigned>(tm.tm_mon + 1),
                         static_cast<unsigned>(tm.tm_mday));
}
}  // namespace

long localCalendarDaysBetween(TimePoint now, TimePoint until) {
    return localDayNumber(until) - localDayNumber(now);
}

std::string toIso8601(TimePoint t) { return toIso8601(std::chrono::system_clock::to_time_t(t)); }

std::string toIso8601(std::time_t t) {
    const std::tm tm = platform::utcTime(t);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::time_t utcEpoch(const std::tm& utc) {
    // Months out of range roll into years first, as timegm's do; the rest is linear.
    long year = utc.tm_year + 1900L + utc.tm_mon / 12;
    int month = utc.tm_mon % 12;
    if (month < 0) {
        month += 12;
        --year;
    }
    const long days = daysFromCivil(year, static_cast<unsigned>(month + 1), 1) + utc.tm_mday - 1;
    return static_cast<std::time_t>(days) * 86400 + utc.tm_hour * 3600L + utc.tm_min * 60L +
           utc.tm_sec;
}

TimePoint parseIso8601(const std::string& text) {
    static const std::regex re(
        R"(^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$)");
    std::smatch m;
    if (!std::regex_match(text, m, re))
        throw Error(ErrorKind::InvalidInput,
                    fmt::format(fmt::runtime(_("'{0}' is not an ISO 8601 date and time (expected "
                                               "e.g. 2026-11-25T10:00:00Z)")),
                                text));
    std::tm tm{};
    tm.tm_year = std::stoi(m[1]) - 1900;
    tm.tm_mon = std::stoi(m[2]) - 1;
    tm.tm_mday = std::stoi(m[3]);
    tm.tm_hour = m[4].matched ? std::stoi(m[4]) : 0;
    tm.tm_min = m[5].matched ? std::stoi(m[5]) : 0;
    tm.tm_sec = m[6].matched ? std::stoi(m[6]) : 0;
    if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
        tm.tm_sec > 60)
        throw Error(ErrorKind::InvalidInput,
                    fmt::format(fmt::runtime(_("'{0}' is not a valid date and time")), text));
    std::time_t t = utcEpoch(tm);
    if (m[7].matched && m[7].str() != "Z") {
        std::string off = m[7].str();
        int sign = off[0] == '-' ? -1 : 1;
        std::string digits;
        for (char c : off.substr(1))
            if (c != ':') digits += c;
        int minutes = std::stoi(digits.substr(0, 2)) * 60 + std::stoi(digits.substr(2, 2));
        t -= sign * minutes * 60;
    }
    return std::chrono::system_clock::from_time_t(t);
}

}  // namespace certagent
