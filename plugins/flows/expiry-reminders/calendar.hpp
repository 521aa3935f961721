#pragma once
// Reminder thresholds on the user's calendar.
//
// A threshold of N days is reached at the start (local midnight) of the local calendar day that
// lies N days before the local day on which the certificate expires; the expiry reminder fires
// at not_after itself. So "expires in 30 days" and the date in the text always agree with the
// user's wall calendar, whatever time of day the CA chose for not_after, and a 23- or 25-hour
// DST day does not move a reminder to the wrong date. The price: the instants depend on the
// time zone, so they are computed afresh at each planning step (never stored) and a time-zone
// change only needs a re-plan (reloadTimeZone(), time_util.hpp).
#include <optional>
#include <string>
#include <vector>

#include "time_util.hpp"
#include "types.hpp"

namespace expiry_reminders {

// The instant threshold `days` begins; kExpired: notAfter.
TimePoint thresholdStart(TimePoint notAfter, int days);

// Local calendar days from now's date to notAfter's date (0: expires today; negative: past).
long localDaysLeft(TimePoint now, TimePoint notAfter);

// The most urgent threshold reached at `now` (kExpired once notAfter has passed), if any.
// thresholds: configured days, any order.
std::optional<int> currentThreshold(TimePoint now, TimePoint notAfter,
                                    const std::vector<int>& thresholds);

// The threshold that follows `after` (nullopt: none reached yet), if one is left.
std::optional<int> nextThreshold(std::optional<int> after, const std::vector<int>& thresholds);

// Sorted descending, unique, negatives dropped (config days_before → engine thresholds).
std::vector<int> normalizeThresholds(const std::vector<int64_t>& days);

// The instant in the user's local time, in the translated format (e.g. "2026-11-25 17:07 EET").
std::string formatLocal(TimePoint t);

}  // namespace expiry_reminders
