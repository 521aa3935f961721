#include "time_util.hpp"

#include <ctime>
#include <regex>

#include "certagent/sdk/time.hpp"

namespace expiry_reminders {
namespace {


long localDayNumber(TimePoint t) {
    const std::tm tm = localTm(t);
    using namespace std::chrono;
    const year_month_day date{year{tm.tm_year + 1900}, month{static_cast<unsigned>(tm.tm_mon + 1)},
                              day{static_cast<unsigned>(tm.tm_mday)}};
    return sys_days{date}.time_since_epoch().count();
}

}  // namespace

std::tm localTm(TimePoint t) {
    const std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
#ifdef _WIN32
    localtime_s(&tm, &tt);
#else
    localtime_r(&tt, &tm);
#endif
    return tm;
}

int64_t toEpochMs(TimePoint t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

TimePoint fromEpochMs(int64_t ms) {
    return TimePoint(
        std::chrono::duration_cast<TimePoint::duration>(std::chrono::milliseconds(ms)));
}

std::string isoUtc(TimePoint t) {
    return certagent::sdk::isoUtc(std::chrono::system_clock::to_time_t(t));
}

std::optional<TimePoint> parseIso8601(const std::string& text) {
    // date [T time [.fraction]] [Z | +hh[:]mm | -hh[:]mm]
    static const std::regex form(
        R"(^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?)"
        R"((Z|([+-])(\d{2}):?(\d{2}))?$)");
    std::smatch m;
    if (!std::regex_match(text, m, form)) return std::nullopt;
    auto num = [&](int i) { return m[i].matched ? std::stoi(m[i].str()) : 0; };
    using namespace std::chrono;
    const year_month_day date{year{num(1)}, month{static_cast<unsigned>(num(2))},
                              day{static_cast<unsigned>(num(3))}};
    // Beyond what a nanosecond system_clock holds (1678..2261): not an instant we can plan.
    if (!date.ok() || num(1) < 1678 || num(1) > 2261 || num(4) > 23 || num(5) > 59 || num(6) > 60 ||
        num(9) > 23 || num(10) > 59)
        return std::nullopt;
    auto t = sys_days{date} + hours{num(4)} + minutes{num(5)} + seconds{num(6)};
    const auto offset = hours{num(9)} + minutes{num(10)};
    if (m[8].matched) t += m[8].str() == "-" ? offset : -offset;  // local + offset = UTC
    return time_point_cast<TimePoint::duration>(t);
}

void reloadTimeZone() { tzset(); }

long localCalendarDaysBetween(TimePoint now, TimePoint until) {
    return localDayNumber(until) - localDayNumber(now);
}

}  // namespace expiry_reminders
