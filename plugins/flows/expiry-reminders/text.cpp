#include "text.hpp"

#include <fmt/format.h>

#define CERTAGENT_SDK_GETTEXT
#include <certagent/sdk/plugin.hpp>

#include "calendar.hpp"

namespace expiry_reminders {
namespace {

using certagent::sdk::trn;

std::string who(const CertificateRecord& r) {
    return r.cert.commonName.empty() ? r.cert.subject : r.cert.commonName;
}

std::string tokenName(const CertificateRecord& r) {
    return r.tokenLabel.empty() ? r.tokenSerial
                                : fmt::format("{} ({})", r.tokenLabel, r.tokenSerial);
}

std::string thresholdName(int threshold) {
    if (threshold == kExpired) return _("expiry");
    return fmt::format(fmt::runtime(trn("{0}-day", "{0}-day", static_cast<unsigned long>(
                                                                     threshold))),
                       threshold);
}

}  // namespace

ReminderText reminderText(const Reminder& rem) {
    const auto& r = rem.record;
    const bool q = r.cert.qualified;
    const auto date = formatLocal(r.cert.notAfter);
    ReminderText t;
    if (rem.threshold == kExpired) {
        t.title = q ? _("Your qualified certificate has expired")
                    : _("Your certificate has expired");
        t.body = fmt::format(fmt::runtime(_("The certificate of {0} on token {1} expired on {2}. "
                                            "You can no longer sign with it: renew it to sign "
                                            "again.")),
                             who(r), tokenName(r), date);
        return t;
    }
    const auto n = static_cast<unsigned long>(std::max(0L, rem.daysLeft));
    if (rem.daysLeft <= 0) {
        t.title = q ? _("Your qualified certificate expires today")
                    : _("Your certificate expires today");
    } else {
        t.title = fmt::format(
            fmt::runtime(q ? trn("Your qualified certificate expires in {0} day",
                                 "Your qualified certificate expires in {0} days", n)
                           : trn("Your certificate expires in {0} day",
                                 "Your certificate expires in {0} days", n)),
            n);
    }
    t.body = fmt::format(fmt::runtime(_("The certificate of {0} on token {1} expires on {2}. "
                                        "Renew it before then to keep signing.")),
                         who(r), tokenName(r), date);
    return t;
}

std::string explainStatus(const ReminderStatus& s, TimePoint now) {
    const auto& r = s.record;
    switch (s.state) {
    case ReminderState::Replaced:
        return _("no longer on its token (removed or replaced)");
    case ReminderState::Renewed:
        return r.renewedBy == "renewal"
                   ? _("renewed: the renewal finished")
                   : _("renewed: a newer certificate for the same subject is on the token");
    case ReminderState::Dismissed:
        return _("reminders turned off for this certificate");
    case ReminderState::Snoozed:
        return fmt::format(fmt::runtime(_("snoozed until {0}")), formatLocal(*r.snoozeUntil));
    case ReminderState::Due:
        if (*s.threshold == kExpired)
            return fmt::format(fmt::runtime(_("expired on {0}")), formatLocal(r.cert.notAfter));
        return fmt::format(fmt::runtime(_("{0} reminder reached on {1}")),
                           thresholdName(*s.threshold),
                           formatLocal(thresholdStart(r.cert.notAfter, *s.threshold)));
    case ReminderState::Acknowledged:
    case ReminderState::Scheduled: {
        std::string head =
            s.state == ReminderState::Acknowledged
                ? fmt::format(fmt::runtime(_("{0} reminder acknowledged")),
                              thresholdName(*s.threshold))
                : std::string();
        std::string next;
        if (s.nextThreshold && s.nextDue)
            next = fmt::format(fmt::runtime(_("next: {0} reminder on {1}")),
                               thresholdName(*s.nextThreshold),
                               formatLocal(std::max(*s.nextDue, now)));
        if (head.empty()) return next;
        return next.empty() ? head : head + "; " + next;
    }
    }
    return {};
}

nlohmann::json reminderActions() {
    using nlohmann::json;
    return json::array({
        {{"id", "reminders.renew"}, {"label", _("Renew now")}, {"action", "renew"},
         {"args", json::object()}},
        {{"id", "reminders.snooze-1d"}, {"label", _("Remind me tomorrow")}, {"action", "snooze"},
         {"args", {{"days", 1}}}},
        {{"id", "reminders.snooze-3d"}, {"label", _("Remind me in 3 days")},
         {"action", "snooze"}, {"args", {{"days", 3}}}},
        {{"id", "reminders.dismiss"}, {"label", _("Don't remind me for this certificate")},
         {"action", "dismiss"}, {"args", json::object()}},
    });
}

nlohmann::json reminderEvent(const Reminder& rem) {
    const auto& r = rem.record;
    auto text = reminderText(rem);
    return {{"type", "ReminderDue"},
            {"token", r.tokenSerial},
            {"token_label", r.tokenLabel},
            {"cert", r.cert.idHex},
            {"fingerprint", r.cert.fingerprint},
            {"subject", r.cert.subject},
            {"issuer", r.cert.issuer},
            {"serial", r.cert.serialHex},
            {"not_after", isoUtc(r.cert.notAfter)},
            {"not_after_local", formatLocal(r.cert.notAfter)},
            {"days_left", rem.daysLeft},
            {"threshold", rem.threshold == kExpired ? nlohmann::json("expired")
                                                    : nlohmann::json(rem.threshold)},
            {"severity", severityName(rem.severity)},
            {"trigger", triggerName(rem.trigger)},
            {"qualified", r.cert.qualified},
            {"has_private_key", r.cert.hasPrivateKey},
            {"title", text.title},
            {"body", text.body},
            {"actions", reminderActions()}};
}

nlohmann::json statusJson(const ReminderStatus& s, TimePoint now) {
    const auto& r = s.record;
    auto thr = [](const std::optional<int>& t) {
        if (!t) return nlohmann::json();
        return *t == kExpired ? nlohmann::json("expired") : nlohmann::json(*t);
    };
    nlohmann::json j = {{"token", r.tokenSerial},
                        {"token_label", r.tokenLabel},
                        {"token_present", r.tokenPresent},
                        {"cert", r.cert.idHex},
                        {"label", r.cert.label},
                        {"fingerprint", r.cert.fingerprint},
                        {"subject", r.cert.subject},
                        {"common_name", r.cert.commonName},
                        {"issuer", r.cert.issuer},
                        {"serial", r.cert.serialHex},
                        {"not_after", isoUtc(r.cert.notAfter)},
                        {"not_after_local", formatLocal(r.cert.notAfter)},
                        {"days_left", s.daysLeft},
                        {"threshold", thr(s.threshold)},
                        {"state", stateName(s.state)},
                        {"severity", severityName(s.severity)},
                        {"qualified", r.cert.qualified},
                        {"has_private_key", r.cert.hasPrivateKey},
                        {"first_seen", isoUtc(r.firstSeen)},
                        {"last_seen", isoUtc(r.lastSeen)},
                        {"last_reminded", r.firedAt ? nlohmann::json(isoUtc(*r.firedAt))
                                                    : nlohmann::json()},
                        {"next_threshold", thr(s.nextThreshold)},
                        {"next_due", s.nextDue ? nlohmann::json(isoUtc(*s.nextDue))
                                               : nlohmann::json()},
                        {"why", explainStatus(s, now)}};
    return j;
}

std::string menuLabel(const ReminderStatus& s) {
    const auto& c = s.record.cert;
    const auto& name = c.commonName.empty() ? c.subject : c.commonName;
    if (s.threshold && *s.threshold == kExpired)
        return fmt::format(fmt::runtime(_("Renew {0} (expired)")), name);
    const auto n = static_cast<unsigned long>(std::max(0L, s.daysLeft));
    return fmt::format(fmt::runtime(trn("Renew {0} (expires in {1} day)",
                                        "Renew {0} (expires in {1} days)", n)),
                       name, n);
}

std::map<std::string, std::string> reminderEnvironment(const Reminder& rem) {
    const auto& r = rem.record;
    auto text = reminderText(rem);
    auto b = [](bool v) { return std::string(v ? "1" : "0"); };
    return {
        {"CERTAGENT_EVENT", "ReminderDue"},
        {"CERTAGENT_TOKEN", r.tokenSerial},
        {"CERTAGENT_TOKEN_LABEL", r.tokenLabel},
        {"CERTAGENT_CERT_ID", r.cert.idHex},
        {"CERTAGENT_CERT_LABEL", r.cert.label},
        {"CERTAGENT_FINGERPRINT", r.cert.fingerprint},
        {"CERTAGENT_SUBJECT", r.cert.subject},
        {"CERTAGENT_COMMON_NAME", r.cert.commonName},
        {"CERTAGENT_ISSUER", r.cert.issuer},
        {"CERTAGENT_SERIAL", r.cert.serialHex},
        {"CERTAGENT_NOT_AFTER", isoUtc(r.cert.notAfter)},
        {"CERTAGENT_NOT_AFTER_LOCAL", formatLocal(r.cert.notAfter)},
        {"CERTAGENT_DAYS_LEFT", std::to_string(rem.daysLeft)},
        {"CERTAGENT_THRESHOLD",
         rem.threshold == kExpired ? std::string("expired") : std::to_string(rem.threshold)},
        {"CERTAGENT_SEVERITY", severityName(rem.severity)},
        {"CERTAGENT_QUALIFIED", b(r.cert.qualified)},
        {"CERTAGENT_HAS_PRIVATE_KEY", b(r.cert.hasPrivateKey)},
        {"CERTAGENT_TITLE", text.title},
        {"CERTAGENT_BODY", text.body},
    };
}

}  // namespace expiry_reminders
