#include "types.hpp"

namespace expiry_reminders {

const char* severityName(Severity s) noexcept {
    switch (s) {
    case Severity::Info: return "info";
    case Severity::Warning: return "warning";
    case Severity::Critical: return "critical";
    }
    return "info";
}

const char* triggerName(Trigger t) noexcept {
    switch (t) {
    case Trigger::Threshold: return "threshold";
    case Trigger::TokenInserted: return "token_inserted";
    case Trigger::SnoozeEnded: return "snooze_ended";
    }
    return "threshold";
}

const char* stateName(ReminderState s) noexcept {
    switch (s) {
    case ReminderState::Due: return "due";
    case ReminderState::Snoozed: return "snoozed";
    case ReminderState::Dismissed: return "dismissed";
    case ReminderState::Acknowledged: return "acknowledged";
    case ReminderState::Renewed: return "renewed";
    case ReminderState::Replaced: return "replaced";
    case ReminderState::Scheduled: return "scheduled";
    }
    return "scheduled";
}

}  // namespace expiry_reminders
