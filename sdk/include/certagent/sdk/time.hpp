#pragma once
// Time as text the way the host writes it in its extensions' answers, events and journals:
// ISO 8601 in UTC to the second ("2026-12-03T10:00:00Z"). Header-only; any thread.
#include <ctime>
#include <string>

namespace certagent::sdk {

// The calendar fields of `t` in UTC.
inline std::tm utcTime(std::time_t t) {
    std::tm tm{};
#ifdef _WIN32
    gmtime_s(&tm, &t);
#else
    gmtime_r(&t, &tm);
#endif
    return tm;
}

// "YYYY-MM-DDThh:mm:ssZ" for `t`.
inline std::string isoUtc(std::time_t t) {
    const std::tm tm = utcTime(t);
    char buf[32];
    const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return std::string(buf, n);
}

}  // namespace certagent::sdk
