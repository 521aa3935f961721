#include "engine.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <set>

#define CERTAGENT_SDK_GETTEXT
#include <certagent/sdk/plugin.hpp>

#include "calendar.hpp"
#include "store.hpp"

namespace expiry_reminders {

using certagent::sdk::PluginError;

namespace {

constexpr auto kDay = std::chrono::hours(24);
constexpr auto kRecentlyShown = std::chrono::minutes(10);

bool active(const CertificateRecord& r) {
    return r.onToken && !r.dismissedAt && !r.renewedAt;
}

// Urgency grows as thresholds shrink; kExpired (-1) is the most urgent.
bool moreUrgent(int a, int b) { return a < b; }

Severity severityOf(int threshold) {
    if (threshold == kExpired) return Severity::Critical;
    return threshold <= 7 ? Severity::Warning : Severity::Info;
}

bool snoozed(const CertificateRecord& r, TimePoint now) {
    return r.snoozeUntil && *r.snoozeUntil > now;
}

}  // namespace

bool moreImportant(const CertificateRecord& a, bool aExpired, const CertificateRecord& b,
                   bool bExpired) {
    auto key = [](const CertificateRecord& r, bool expired) {
        return std::make_tuple(!expired, !r.cert.qualified, !r.cert.hasPrivateKey,
                               r.cert.notAfter, r.tokenSerial, r.cert.idHex);
    };
    return key(a, aExpired) < key(b, bExpired);
}

ReminderEngine::ReminderEngine(const std::filesystem::path& databaseFile, NowFn now,
                               std::vector<int> thresholds)
    : store_(std::make_unique<ReminderStore>(databaseFile)),
      thresholds_(std::move(thresholds)),
      now_(std::move(now)) {
    std::vector<int64_t> days(thresholds_.begin(), thresholds_.end());
    thresholds_ = normalizeThresholds(days);
}

ReminderEngine::~ReminderEngine() = default;

std::size_t ReminderEngine::importLegacyOnce(const std::filesystem::path& legacyFile) {
    std::lock_guard lock(mutex_);
    if (!store_->db().created()) return 0;
    return store_->importLegacy(legacyFile);
}

void ReminderEngine::recordSnapshot(const TokenSnapshot& snap, TimePoint now) {
    auto& st = *store_;
    st.setTokenPresent(snap.serial, snap.label, true, now);
    std::set<std::string> seen;
    for (const auto& c : snap.certificates) {
        st.upsertSeen(snap.serial, snap.label, c, now);
        seen.insert(c.fingerprint);
    }
    // Read just now and not there: removed or replaced by another tool; never remind.
    for (const auto& r : st.all(snap.serial))
        if (r.onToken && !seen.count(r.cert.fingerprint))
            st.markOnToken(snap.serial, r.cert.fingerprint, false);
    // Renewed: a certificate with the same subject and a later expiry is on the token.
    for (const auto& c : snap.certificates) {
        for (const auto& newer : snap.certificates) {
            if (newer.subject != c.subject || newer.notAfter <= c.notAfter) continue;
            auto r = st.get(snap.serial, c.fingerprint);
            if (r && !r->renewedAt) {
                r->renewedAt = now;
                r->renewedBy = "newer:" + newer.fingerprint;
                st.saveState(*r);
            }
            break;
        }
    }
}

std::vector<Reminder> ReminderEngine::observeToken(const TokenSnapshot& snap, bool inserted) {
    std::lock_guard lock(mutex_);
    const auto now = now_();
    std::vector<Reminder> fired;
    store_->db().transaction([&] {
        recordSnapshot(snap, now);
        fired = evaluateLocked(now, inserted ? &snap.serial : nullptr);
    });
    return fired;
}

std::vector<Reminder> ReminderEngine::observeAll(const std::vector<TokenSnapshot>& snaps) {
    std::lock_guard lock(mutex_);
    const auto now = now_();
    std::vector<Reminder> fired;
    store_->db().transaction([&] {
        store_->setAllTokensAbsent();
        for (const auto& snap : snaps) recordSnapshot(snap, now);
        fired = evaluateLocked(now, nullptr);
    });
    return fired;
}

void ReminderEngine::rememberAll(const std::vector<TokenSnapshot>& snaps) {
    std::lock_guard lock(mutex_);
    const auto now = now_();
    store_->db().transaction([&] {
        store_->setAllTokensAbsent();
        for (const auto& snap : snaps) recordSnapshot(snap, now);
    });
}

void ReminderEngine::tokenRemoved(const std::string& serial) {
    std::lock_guard lock(mutex_);
    store_->setTokenPresent(serial, "", false, now_());
}

std::vector<Reminder> ReminderEngine::evaluate() {
    std::lock_guard lock(mutex_);
    std::vector<Reminder> fired;
    store_->db().transaction([&] { fired = evaluateLocked(now_(), nullptr); });
    return fired;
}

std::vector<Reminder> ReminderEngine::evaluateLocked(TimePoint now,
                                                     const std::string* insertedToken) {
    auto& st = *store_;
    std::vector<Reminder> fired;
    for (auto r : st.all()) {
        if (!active(r)) continue;
        auto current = currentThreshold(now, r.cert.notAfter, thresholds_);
        if (!current) continue;
        const int c = *current;
        const bool isNew = !r.firedThreshold || moreUrgent(c, *r.firedThreshold);
        const bool snoozeEnded = r.snoozeUntil && *r.snoozeUntil <= now;
        Trigger trigger = Trigger::Threshold;
        if (snoozed(r, now)) {
            // A snooze holds back threshold reminders, but not the news that it has expired.
            if (!(c == kExpired && isNew)) continue;
        } else if (snoozeEnded) {
            trigger = Trigger::SnoozeEnded;
        } else if (!isNew) {
            const bool unacked = !r.ackedThreshold || moreUrgent(c, *r.ackedThreshold);
            if (!(insertedToken && r.tokenSerial == *insertedToken && unacked)) continue;
            // Shown moments ago (the start-up scan, then the monitor's TokenInserted for the
            // same token): once is enough.
            if (r.firedAt && now - *r.firedAt < kRecentlyShown && now >= *r.firedAt) continue;
            trigger = Trigger::TokenInserted;
        }
        if (trigger == Trigger::SnoozeEnded) r.ackedThreshold.reset();  // unanswered again
        r.snoozeUntil.reset();
        if (isNew) r.firedThreshold = c;
        r.firedAt = now;
        st.saveState(r);
        Reminder rem;
        rem.threshold = c;
        rem.daysLeft = localDaysLeft(now, r.cert.notAfter);
        rem.severity = severityOf(c);
        rem.trigger = trigger;
        rem.record = std::move(r);
        fired.push_back(std::move(rem));
    }
    std::stable_sort(fired.begin(), fired.end(), [](const Reminder& a, const Reminder& b) {
        return moreImportant(a.record, a.threshold == kExpired, b.record,
                             b.threshold == kExpired);
    });
    return fired;
}

std::optional<TimePoint> ReminderEngine::nextDue() {
    std::lock_guard lock(mutex_);
    const auto now = now_();
    std::optional<TimePoint> best;
    auto consider = [&](TimePoint t) {
        if (!best || t < *best) best = t;
    };
    for (const auto& r : store_->all()) {
        if (!active(r)) continue;
        if (snoozed(r, now)) {
            consider(*r.snoozeUntil);
            // The expiry breaks through a snooze.
            if (!r.firedThreshold || *r.firedThreshold != kExpired)
                consider(std::max(r.cert.notAfter, now));
            continue;
        }
        auto current = currentThreshold(now, r.cert.notAfter, thresholds_);
        std::optional<int> reached = r.firedThreshold;
        const bool snoozeEnded = r.snoozeUntil.has_value();  // snoozed() was false above
        if (current && (snoozeEnded || !reached || moreUrgent(*current, *reached))) {
            consider(now);  // crossed but not fired yet (evaluate has not run)
            continue;
        }
        // After the clock was set back, `current` may be behind `reached`: wait for the
        // threshold after the one that already fired, so nothing fires twice.
        if (auto next = nextThreshold(reached, thresholds_))
            consider(std::max(thresholdStart(r.cert.notAfter, *next), now));
    }
    return best;
}

std::vector<ReminderStatus> ReminderEngine::list(TimePoint now,
                                                 const std::optional<std::string>& token) {
    std::lock_guard lock(mutex_);
    std::vector<ReminderStatus> out;
    for (auto& r : store_->all(token)) {
        ReminderStatus s;
        s.threshold = currentThreshold(now, r.cert.notAfter, thresholds_);
        s.daysLeft = localDaysLeft(now, r.cert.notAfter);
        s.severity = s.threshold ? severityOf(*s.threshold) : Severity::Info;
        std::optional<int> reached = s.threshold;
        if (r.firedThreshold && (!reached || moreUrgent(*r.firedThreshold, *reached)))
            reached = r.firedThreshold;
        s.nextThreshold = nextThreshold(reached, thresholds_);
        if (s.nextThreshold) s.nextDue = thresholdStart(r.cert.notAfter, *s.nextThreshold);
        if (!r.onToken) {
            s.state = ReminderState::Replaced;
        } else if (r.renewedAt) {
            s.state = ReminderState::Renewed;
        } else if (r.dismissedAt) {
            s.state = ReminderState::Dismissed;
        } else if (snoozed(r, now)) {
            s.state = ReminderState::Snoozed;
            s.nextDue = r.snoozeUntil;
        } else if (s.threshold &&
                   (!r.ackedThreshold || moreUrgent(*s.threshold, *r.ackedThreshold))) {
            s.state = ReminderState::Due;
        } else if (s.threshold) {
            s.state = ReminderState::Acknowledged;
        } else {
            s.state = ReminderState::Scheduled;
        }
        if (s.state != ReminderState::Scheduled && s.state != ReminderState::Acknowledged &&
            s.state != ReminderState::Snoozed) {
            s.nextThreshold.reset();
            s.nextDue.reset();
        }
        s.record = std::move(r);
        out.push_back(std::move(s));
    }
    auto rank = [](ReminderState st) {
        switch (st) {
        case ReminderState::Due: return 0;
        case ReminderState::Snoozed: return 1;
        case ReminderState::Acknowledged: return 2;
        case ReminderState::Scheduled: return 3;
        default: return 4;
        }
    };
    std::stable_sort(out.begin(), out.end(), [&](const ReminderStatus& a, const ReminderStatus& b) {
        if (rank(a.state) != rank(b.state)) return rank(a.state) < rank(b.state);
        return moreImportant(a.record, a.threshold == kExpired, b.record,
                             b.threshold == kExpired);
    });
    return out;
}

CertificateRecord ReminderEngine::find(const CertRef& ref) {
    const auto all = store_->all(ref.token.empty() ? std::nullopt
                                                        : std::optional<std::string>(ref.token));
    const CertificateRecord* best = nullptr;
    for (const auto& r : all) {
        bool match = !ref.fingerprint.empty() ? r.cert.fingerprint == ref.fingerprint
                                              : r.cert.idHex == ref.certId && !ref.certId.empty();
        if (!match) continue;
        // A reused CKA_ID: the certificate still on the token, else the one seen last.
        if (!best || std::make_tuple(r.onToken, r.lastSeen) >
                         std::make_tuple(best->onToken, best->lastSeen))
            best = &r;
    }
    if (!best)
        throw PluginError(CA_ERR_INVALID_ARGUMENT,
                    fmt::format(fmt::runtime(_("no remembered certificate {0} on token {1}")),
                                ref.fingerprint.empty() ? ref.certId : ref.fingerprint,
                                ref.token));
    return *best;
}

void ReminderEngine::snooze(const CertRef& ref, int days) {
    if (days < 1 || days > 30)
        throw PluginError(CA_ERR_INVALID_ARGUMENT,
                    fmt::format(fmt::runtime(_("cannot snooze for {0} days (1 to 30)")), days));
    std::lock_guard lock(mutex_);
    const auto now = now_();
    store_->db().transaction([&] {
        auto r = find(ref);
        r.snoozeUntil = now + days * kDay;
        if (auto c = currentThreshold(now, r.cert.notAfter, thresholds_))
            if (!r.ackedThreshold || moreUrgent(*c, *r.ackedThreshold)) r.ackedThreshold = *c;
        store_->saveState(r);
    });
}

void ReminderEngine::dismiss(const CertRef& ref) {
    std::lock_guard lock(mutex_);
    const auto now = now_();
    store_->db().transaction([&] {
        auto r = find(ref);
        r.dismissedAt = now;
        store_->saveState(r);
    });
}

void ReminderEngine::acknowledge(const CertRef& ref) {
    std::lock_guard lock(mutex_);
    const auto now = now_();
    store_->db().transaction([&] {
        auto r = find(ref);
        if (auto c = currentThreshold(now, r.cert.notAfter, thresholds_))
            if (!r.ackedThreshold || moreUrgent(*c, *r.ackedThreshold)) r.ackedThreshold = *c;
        store_->saveState(r);
    });
}

void ReminderEngine::renewalCompleted(const std::string& token, const std::string& certId) {
    std::lock_guard lock(mutex_);
    const auto now = now_();
    store_->db().transaction([&] {
        for (auto r : store_->all(token)) {
            if (r.cert.idHex != certId || r.renewedAt) continue;
            // A certificate first seen after the renewal began is the new one, should a
            // renewal ever reuse the CKA_ID; renewals take minutes, a fresh one has a year.
            if (r.firstSeen > now - std::chrono::hours(1) &&
                r.cert.notAfter > now + 90 * kDay)
                continue;
            r.renewedAt = now;
            r.renewedBy = "renewal";
            store_->saveState(r);
        }
    });
}

}  // namespace expiry_reminders
