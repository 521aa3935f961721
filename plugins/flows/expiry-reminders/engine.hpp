#pragma once
// The reminder engine: remembers every certificate seen on a token and decides which reminder
// fires when. Pure logic over the plugin's database and a clock: it reads no token and shows
// nothing (the plugin, expiry_reminders.cpp, does both), so tests drive it with a manual clock.
//
//   ReminderEngine engine(folder / "reminders.sqlite3", [&] { return now; }, {60, 30, 14, 7});
//   engine.observeToken(snapshot, /*inserted=*/true);   // returns reminders to show now
//   auto fired = engine.evaluate();                     // thresholds crossed since last time
//   auto due = engine.nextDue();                        // sleep until then
//
// Rules (docs/reminders.md):
// - A threshold fires once per certificate, also across restarts; when several are crossed
//   at once (first sight, a long suspend) only the most urgent fires.
// - The expiry itself is a threshold (kExpired) and critical.
// - Replaced, dismissed and renewed certificates never fire. Snoozed ones fire when the snooze
//   ends (the expiry breaks through a snooze).
// - observeToken(inserted=true) reminds at once about certificates of that token inside a
//   threshold the user has not acknowledged.
// Each method is one SQLite transaction.
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "types.hpp"

namespace expiry_reminders {

class ReminderStore;

// The agent's clock (ca_host::now_ms) in the plugin; a manual one in tests.
using NowFn = std::function<TimePoint()>;

class ReminderEngine {
public:
    // Opens (creates, migrates) the database file; throws DatabaseError when it cannot.
    ReminderEngine(const std::filesystem::path& databaseFile, NowFn now,
                   std::vector<int> thresholds);
    ~ReminderEngine();
    ReminderEngine(const ReminderEngine&) = delete;
    ReminderEngine& operator=(const ReminderEngine&) = delete;

    const std::vector<int>& thresholds() const { return thresholds_; }

    // The database was new, and the agent's own state.sqlite3 still holds the records it kept
    // before the reminders became this plugin: takes them over (ReminderStore::importLegacy).
    // Returns how many certificates came over; throws DatabaseError.
    std::size_t importLegacyOnce(const std::filesystem::path& legacyFile);

    // The token is connected and holds exactly these certificates: remembers new ones, marks
    // missing ones replaced, detects renewals (a newer certificate with the same subject), then
    // evaluates. inserted: the token was just plugged in (remind about unacknowledged ones).
    std::vector<Reminder> observeToken(const TokenSnapshot& snapshot, bool inserted);
    // A full scan: exactly these tokens are connected; evaluates once after all are read, so
    // nothing fires from a stale record of a token read later in the same scan.
    std::vector<Reminder> observeAll(const std::vector<TokenSnapshot>& snapshots);
    // The same scan without firing anything (`certagent-cli reminders` only looks).
    void rememberAll(const std::vector<TokenSnapshot>& snapshots);
    void tokenRemoved(const std::string& serial);

    // Fires what is due at the clock's now.
    std::vector<Reminder> evaluate();
    // When the next reminder (or snooze end) is due; nullopt: nothing left to remind about.
    std::optional<TimePoint> nextDue();

    // Every remembered certificate (or those of one token), most important first.
    std::vector<ReminderStatus> list(TimePoint now,
                                     const std::optional<std::string>& token = {});

    // User actions. Each throws certagent::sdk::PluginError(CA_ERR_INVALID_ARGUMENT) when ref
    // names no remembered certificate.
    void snooze(const CertRef& ref, int days);
    void dismiss(const CertRef& ref);
    void acknowledge(const CertRef& ref);  // also what "Renew now" does to the reminder
    // A renewal of (token, CKA_ID) finished: that certificate is renewed.
    void renewalCompleted(const std::string& token, const std::string& certId);

    // The record a ref names (the one still on its token when a CKA_ID was reused).
    CertificateRecord find(const CertRef& ref);

private:
    std::vector<Reminder> evaluateLocked(TimePoint now, const std::string* insertedToken);
    void recordSnapshot(const TokenSnapshot& snapshot, TimePoint now);
    std::unique_ptr<ReminderStore> store_;
    std::vector<int> thresholds_;
    NowFn now_;
    std::mutex mutex_;
};

// Importance order: expired first, then qualified, then with a key on the token, then sooner
// expiry.
bool moreImportant(const CertificateRecord& a, bool aExpired, const CertificateRecord& b,
                   bool bExpired);

}  // namespace expiry_reminders
