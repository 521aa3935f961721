#pragma once
// Plain data of the reminder engine: what was read from a token, what fired, and the state of
// each remembered certificate. Times are absolute (system_clock); calendar.hpp turns them into
// the user's local dates.
#include <optional>
#include <string>
#include <vector>

#include "time_util.hpp"

namespace expiry_reminders {

// The threshold value of the "has expired" reminder; configured thresholds are >= 0 days.
inline constexpr int kExpired = -1;

// A certificate as read from a token just now.
struct ObservedCertificate {
    std::string idHex;        // CKA_ID
    std::string label;        // CKA_LABEL
    std::string fingerprint;  // SHA-256 of the DER, lower-case hex: the certificate's identity
    std::string subject;
    std::string commonName;
    std::string issuer;
    std::string serialHex;
    TimePoint notBefore;
    TimePoint notAfter;
    bool qualified = false;
    bool hasPrivateKey = false;
};

// One token read in full: every parseable certificate on it.
struct TokenSnapshot {
    std::string serial;
    std::string label;
    std::vector<ObservedCertificate> certificates;
};

// A remembered certificate and its reminder state (one row of reminder_certs).
struct CertificateRecord {
    std::string tokenSerial;
    std::string tokenLabel;
    ObservedCertificate cert;
    TimePoint firstSeen;
    TimePoint lastSeen;
    bool onToken = true;       // false: its token was read and it was no longer there
    bool tokenPresent = false; // its token is connected (as far as the engine knows)
    std::optional<int> firedThreshold;  // most urgent threshold reminded about
    std::optional<TimePoint> firedAt;
    std::optional<int> ackedThreshold;  // most urgent threshold the user acted on
    std::optional<TimePoint> snoozeUntil;
    std::optional<TimePoint> dismissedAt;
    std::optional<TimePoint> renewedAt;
    std::string renewedBy;  // "newer:<fingerprint>" or "renewal"
};

enum class Severity { Info, Warning, Critical };
const char* severityName(Severity s) noexcept;  // "info" | "warning" | "critical"

// Why a reminder fires now.
enum class Trigger {
    Threshold,      // a threshold (or the expiry) was crossed
    TokenInserted,  // its token was plugged in while a threshold is unacknowledged
    SnoozeEnded,    // "remind me later" ran out
};
const char* triggerName(Trigger t) noexcept;  // "threshold" | "token_inserted" | "snooze_ended"

// A reminder that fired.
struct Reminder {
    CertificateRecord record;
    int threshold = 0;  // days, or kExpired
    long daysLeft = 0;  // local calendar days until the expiry date (negative once expired)
    Severity severity = Severity::Info;
    Trigger trigger = Trigger::Threshold;
};

// What `certagent-cli reminders` (the plugin's "status" action) shows per certificate.
enum class ReminderState {
    Due,           // inside a threshold the user has not acted on
    Snoozed,       // "remind me later" is running
    Dismissed,     // "don't remind me for this certificate"
    Acknowledged,  // the user acted on the current threshold's reminder
    Renewed,       // a newer certificate for the subject is on the token, or a renewal finished
    Replaced,      // its token was read and the certificate was gone (another tool removed it)
    Scheduled,     // no threshold reached yet
};
const char* stateName(ReminderState s) noexcept;  // "due", "snoozed", ...

struct ReminderStatus {
    CertificateRecord record;
    ReminderState state = ReminderState::Scheduled;
    std::optional<int> threshold;  // the current threshold, if one has been crossed
    long daysLeft = 0;
    Severity severity = Severity::Info;
    std::optional<int> nextThreshold;  // the next one to come
    std::optional<TimePoint> nextDue;  // when it (or the end of a snooze) comes
};

// A reference to a remembered certificate from an action: token serial + CKA_ID hex, or the
// certificate's fingerprint (unique even when a CKA_ID was reused by a replacement).
struct CertRef {
    std::string token;
    std::string certId;
    std::string fingerprint;
};

}  // namespace expiry_reminders
