#pragma once
// A reminder in the user's words (gettext, Romanian or English) and in machine form: the
// ReminderDue event, the notification and the command's environment share these fields.
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "types.hpp"

namespace expiry_reminders {

struct ReminderText {
    std::string title;
    std::string body;
};
ReminderText reminderText(const Reminder& r);

// Why a certificate is in its state, for `certagent-cli reminders`.
std::string explainStatus(const ReminderStatus& s, TimePoint now);

// The ReminderDue event: {type, token, token_label, cert, fingerprint, subject, issuer, serial,
// not_after, not_after_local, days_left, threshold, severity, trigger, qualified,
// has_private_key, title, body, actions}.
nlohmann::json reminderEvent(const Reminder& r);

// Buttons of a reminder notification: [{id, label, action, args}]; a UI publishes
// UserAction{action, token, cert, args} when one is chosen.
nlohmann::json reminderActions();

// One status as JSON (the "status" action: `certagent-cli reminders --json`).
nlohmann::json statusJson(const ReminderStatus& s, TimePoint now);

// The tray menu's line for a certificate whose reminder is due: "Renew Ana (expires in 3 days)".
std::string menuLabel(const ReminderStatus& s);

// CERTAGENT_* variables for [reminders] command.
std::map<std::string, std::string> reminderEnvironment(const Reminder& r);

}  // namespace expiry_reminders
