// Thresholds on the local calendar: local midnights, DST days, time zones; ISO 8601 instants.
#include <gtest/gtest.h>

#include "certagent/core/token/types.hpp"
#include "reminders_test_util.hpp"

using namespace expiry_reminders;
using namespace expiry_reminders::testing;

TEST(ReminderCalendar, ThresholdStartsAtLocalMidnightOfTheDayNDaysBeforeTheExpiryDate) {
    ScopedTimeZone tz("Europe/Bucharest");
    // Expires 2026-11-25 17:07 local (EET, UTC+2).
    const auto notAfter = at("2026-11-25T15:07:00Z");
    EXPECT_EQ(isoUtc(thresholdStart(notAfter, 30)), "2026-10-25T22:00:00Z");  // 26 Oct 00:00
    EXPECT_EQ(isoUtc(thresholdStart(notAfter, 1)), "2026-11-23T22:00:00Z");   // 24 Nov 00:00
    EXPECT_EQ(isoUtc(thresholdStart(notAfter, 0)), "2026-11-24T22:00:00Z");   // 25 Nov 00:00
    EXPECT_EQ(thresholdStart(notAfter, kExpired), notAfter);
}

TEST(ReminderCalendar, SpringForwardDayKeepsRemindersOnTheRightLocalDate) {
    ScopedTimeZone tz("Europe/Bucharest");
    // DST starts 2026-03-29 03:00 EET. Expiry 2026-04-10 12:00 EEST (UTC+3).
    const auto notAfter = at("2026-04-10T09:00:00Z");
    EXPECT_EQ(isoUtc(thresholdStart(notAfter, 14)), "2026-03-26T22:00:00Z");  // 27 Mar, EET
    EXPECT_EQ(isoUtc(thresholdStart(notAfter, 7)), "2026-04-02T21:00:00Z");   // 3 Apr, EEST
    // The two are 7 local days apart but only 167 hours.
    EXPECT_EQ(thresholdStart(notAfter, 7) - thresholdStart(notAfter, 14), 167h);
    EXPECT_EQ(localDaysLeft(at("2026-03-28T21:59:59Z"), notAfter), 13);
    EXPECT_EQ(localDaysLeft(at("2026-03-28T22:00:00Z"), notAfter), 12);
}

TEST(ReminderCalendar, FallBackDayIsTwentyFiveHoursLong) {
    ScopedTimeZone tz("Europe/Bucharest");
    // DST ends 2026-10-25 04:00 EEST. Expiry 2026-10-27 10:00 EET.
    const auto notAfter = at("2026-10-27T08:00:00Z");
    EXPECT_EQ(isoUtc(thresholdStart(notAfter, 3)), "2026-10-23T21:00:00Z");  // 24 Oct, EEST
    EXPECT_EQ(isoUtc(thresholdStart(notAfter, 1)), "2026-10-25T22:00:00Z");  // 26 Oct, EET
    EXPECT_EQ(thresholdStart(notAfter, 1) - thresholdStart(notAfter, 2), 25h);
}

TEST(ReminderCalendar, DaysLeftCountsLocalDatesNotTwentyFourHourBlocks) {
    ScopedTimeZone tz("Europe/Bucharest");
    const auto notAfter = at("2026-06-10T21:30:00Z");  // 11 Jun 00:30 local
    // 10 Jun 23:00 local: 1.5 hours left, but the expiry date is tomorrow.
    EXPECT_EQ(localDaysLeft(at("2026-06-10T20:00:00Z"), notAfter), 1);
    EXPECT_EQ(localDaysLeft(at("2026-06-10T21:00:00Z"), notAfter), 0);
    EXPECT_EQ(localDaysLeft(at("2026-06-12T09:00:00Z"), notAfter), -1);
}

TEST(ReminderCalendar, TheSameExpiryFallsOnAnotherDateInAnotherTimeZone) {
    ScopedTimeZone tz("Europe/Bucharest");
    const auto notAfter = at("2026-06-10T01:00:00Z");  // 10 Jun 04:00 in Bucharest
    EXPECT_EQ(isoUtc(thresholdStart(notAfter, 1)), "2026-06-08T21:00:00Z");
    ScopedTimeZone::set("America/New_York");  // 9 Jun 21:00 in New York
    EXPECT_EQ(isoUtc(thresholdStart(notAfter, 1)), "2026-06-08T04:00:00Z");
    EXPECT_EQ(formatLocal(notAfter), "2026-06-09 21:00 EDT");
}

TEST(ReminderCalendar, CurrentAndNextThreshold) {
    ScopedTimeZone tz("UTC");
    const auto notAfter = at("2026-03-01T12:00:00Z");
    std::vector<int> t{60, 30, 14, 7, 3, 1};
    EXPECT_EQ(currentThreshold(at("2025-12-01T00:00:00Z"), notAfter, t), std::nullopt);
    EXPECT_EQ(currentThreshold(at("2026-02-10T00:00:00Z"), notAfter, t), 30);
    EXPECT_EQ(currentThreshold(at("2026-02-28T00:00:00Z"), notAfter, t), 1);
    EXPECT_EQ(currentThreshold(at("2026-03-01T12:00:00Z"), notAfter, t), kExpired);
    EXPECT_EQ(nextThreshold(std::nullopt, t), 60);
    EXPECT_EQ(nextThreshold(14, t), 7);
    EXPECT_EQ(nextThreshold(1, t), kExpired);
    EXPECT_EQ(nextThreshold(kExpired, t), std::nullopt);
    EXPECT_EQ(normalizeThresholds({1, 30, 7, 30, -2}), (std::vector<int>{30, 7, 1}));
}

// The tray and `certs` (CertificateInfo::daysLeft) count days as the reminders do: by local
// calendar date, not by 24-hour periods.
TEST(ReminderCalendar, TokenDaysLeftAgreesWithTheReminderCount) {
    ScopedTimeZone tz("Europe/Bucharest");
    certagent::token::CertificateInfo info;
    info.notAfter = at("2026-06-10T21:30:00Z");  // 11 Jun 00:30 local
    for (const char* now : {"2026-06-10T20:00:00Z", "2026-05-30T23:59:00Z", "2026-06-11T12:00:00Z",
                            "2026-03-28T23:30:00Z", "2026-06-01T00:00:00Z"}) {
        SCOPED_TRACE(now);
        EXPECT_EQ(info.daysLeft(at(now)), localDaysLeft(at(now), info.notAfter));
    }
    // 1.5 hours before expiry, but the expiry date is tomorrow: 1 day, not 0.
    EXPECT_EQ(info.daysLeft(at("2026-06-10T20:00:00Z")), 1);
}

TEST(ReminderCalendar, Iso8601InstantsFromTheAgentAndBadOnesRefused) {
    EXPECT_EQ(isoUtc(at("2026-11-25T17:07:00+02:00")), "2026-11-25T15:07:00Z");
    EXPECT_EQ(isoUtc(at("2026-11-25T10:07:00-0500")), "2026-11-25T15:07:00Z");
    EXPECT_EQ(isoUtc(at("2026-11-25T15:07:00.250Z")), "2026-11-25T15:07:00Z");
    EXPECT_EQ(isoUtc(at("2026-11-25")), "2026-11-25T00:00:00Z");
    EXPECT_EQ(toEpochMs(at("1970-01-01T00:00:01Z")), 1000);
    for (const char* bad : {"tomorrow", "2026-02-30T00:00:00Z", "2026-11-25T24:00:00Z",
                            "2026-11-25T10:00:00+25:00", "9999-12-31T23:59:59Z", ""})
        EXPECT_EQ(parseIso8601(bad), std::nullopt) << bad;
}
