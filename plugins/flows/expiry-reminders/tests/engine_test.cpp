// The reminder engine under a ManualClock over a real SQLite store.
#include <gtest/gtest.h>

#include <certagent/sdk/plugin.hpp>

#include <sqlite3.h>

#include "database.hpp"
#include "reminders_test_util.hpp"

using namespace expiry_reminders;
using namespace expiry_reminders::testing;

namespace {

std::vector<int> thresholdsOf(const std::vector<Reminder>& v) {
    std::vector<int> out;
    for (const auto& r : v) out.push_back(r.threshold);
    return out;
}

// The status of T1's certificate with this CKA_ID (the one still on the token, if several).
ReminderStatus statusOf(ReminderEngine& e, TimePoint now, const std::string& id) {
    for (auto& s : e.list(now, "T1"))
        if (s.record.cert.idHex == id && s.record.onToken) return s;
    for (auto& s : e.list(now, "T1"))
        if (s.record.cert.idHex == id) return s;
    ADD_FAILURE() << "no status for " << id;
    return {};
}

}  // namespace

TEST(ReminderEngine, EveryThresholdFiresOnceAtItsLocalMidnightThenTheExpiry) {
    ScopedTimeZone tz("Europe/Bucharest");
    Fixture f;
    const auto notAfter = f.clock.now + 100 * kDay + 5h;
    EXPECT_TRUE(f.engine->observeToken(token("T1", {cert("01", "Ana", notAfter)}), true).empty());

    std::vector<int> fired;
    for (int guard = 0; guard < 20; ++guard) {
        auto due = f.engine->nextDue();
        if (!due) break;
        // A second before its time nothing fires.
        f.clock.set(*due - 1s);
        EXPECT_TRUE(f.engine->evaluate().empty()) << isoUtc(*due);
        f.clock.set(*due);
        auto r = f.engine->evaluate();
        ASSERT_EQ(r.size(), 1u) << isoUtc(*due);
        fired.push_back(r[0].threshold);
        EXPECT_EQ(*due, thresholdStart(notAfter, r[0].threshold));
        if (r[0].threshold != kExpired) {
            EXPECT_EQ(r[0].daysLeft, r[0].threshold);
            EXPECT_NE(r[0].severity, Severity::Critical);
        } else {
            EXPECT_EQ(r[0].severity, Severity::Critical);
        }
        // Evaluating again at the same time fires nothing more.
        EXPECT_TRUE(f.engine->evaluate().empty());
    }
    EXPECT_EQ(fired, (std::vector<int>{60, 30, 14, 7, 3, 1, kExpired}));
    EXPECT_EQ(f.engine->nextDue(), std::nullopt);
}

TEST(ReminderEngine, SeveralCertificatesAtOnceComeQualifiedWithKeyFirstAndExpiredFirstOfAll) {
    ScopedTimeZone tz("UTC");
    Fixture f;
    const auto now = f.clock.now;
    const auto sameDay = now + 10 * kDay;
    auto snap = token("T1", {cert("01", "Plain", sameDay, false, false),
                             cert("02", "NoKey", sameDay, true, false),
                             cert("03", "Qualified", sameDay, true, true),
                             cert("04", "Old", now - 2 * kDay, false, false),
                             cert("05", "Later", now + 200 * kDay)});
    auto fired = f.engine->observeToken(snap, false);
    ASSERT_EQ(fired.size(), 4u);
    EXPECT_EQ(fired[0].record.cert.idHex, "04");
    EXPECT_EQ(fired[0].threshold, kExpired);
    EXPECT_EQ(fired[1].record.cert.idHex, "03");
    EXPECT_EQ(fired[2].record.cert.idHex, "02");
    EXPECT_EQ(fired[3].record.cert.idHex, "01");
    EXPECT_EQ(thresholdsOf(fired), (std::vector<int>{kExpired, 14, 14, 14}));
    // Next: the three certificates' 7-day threshold, all at once.
    auto next = f.runToNext();
    EXPECT_EQ(thresholdsOf(next), (std::vector<int>{7, 7, 7}));
}

TEST(ReminderEngine, FirstSightInsideSeveralThresholdsFiresOnlyTheMostUrgent) {
    ScopedTimeZone tz("UTC");
    Fixture f;
    auto fired =
        f.engine->observeToken(token("T1", {cert("01", "Ana", f.clock.now + 10 * kDay)}), true);
    EXPECT_EQ(thresholdsOf(fired), (std::vector<int>{14}));
    EXPECT_EQ(fired[0].daysLeft, 10);
    EXPECT_EQ(thresholdsOf(f.runToNext()), (std::vector<int>{7}));
}

TEST(ReminderEngine, CertificateAlreadyExpiredOnFirstSightFiresOnceCritical) {
    ScopedTimeZone tz("UTC");
    Fixture f;
    auto fired =
        f.engine->observeToken(token("T1", {cert("01", "Ana", f.clock.now - 5 * kDay)}), false);
    ASSERT_EQ(fired.size(), 1u);
    EXPECT_EQ(fired[0].threshold, kExpired);
    EXPECT_EQ(fired[0].severity, Severity::Critical);
    EXPECT_EQ(fired[0].daysLeft, -5);
    EXPECT_TRUE(f.engine->evaluate().empty());
    EXPECT_TRUE(f.engine->observeToken(token("T1", {cert("01", "Ana", f.clock.now - 5 * kDay)}),
                                       false)
                    .empty());
    EXPECT_EQ(f.engine->nextDue(), std::nullopt);
    EXPECT_EQ(statusOf(*f.engine, f.clock.now, "01").state, ReminderState::Due);
}

TEST(ReminderEngine, RestartInBetweenNeitherRepeatsNorLosesAThreshold) {
    ScopedTimeZone tz("Europe/Bucharest");
    Fixture f;
    const auto notAfter = f.clock.now + 45 * kDay;
    auto snap = token("T1", {cert("01", "Ana", notAfter)});
    EXPECT_EQ(thresholdsOf(f.engine->observeToken(snap, false)), (std::vector<int>{60}));
    f.restart();
    EXPECT_TRUE(f.engine->evaluate().empty());
    EXPECT_TRUE(f.engine->observeToken(snap, false).empty());
    // The agent was off while the 30- and 14-day thresholds passed: only 14 fires.
    f.restart();
    f.clock.set(thresholdStart(notAfter, 14) + 2h);
    EXPECT_EQ(thresholdsOf(f.engine->evaluate()), (std::vector<int>{14}));
    f.restart();
    EXPECT_TRUE(f.engine->evaluate().empty());
    EXPECT_EQ(f.engine->nextDue(), thresholdStart(notAfter, 7));
}

TEST(ReminderEngine, RemembersCertificatesOfAnUnpluggedToken) {
    ScopedTimeZone tz("UTC");
    Fixture f;
    const auto notAfter = f.clock.now + 40 * kDay;
    f.engine->observeToken(token("T1", {cert("01", "Ana", notAfter)}), true);
    f.engine->tokenRemoved("T1");
    f.restart();
    f.clock.set(thresholdStart(notAfter, 30));
    auto fired = f.engine->evaluate();
    ASSERT_EQ(thresholdsOf(fired), (std::vector<int>{30}));
    EXPECT_FALSE(fired[0].record.tokenPresent);
    EXPECT_EQ(fired[0].record.tokenLabel, "Token T1");
}

TEST(ReminderEngine, SnoozeTomorrowAndInThreeDaysRemindAgainWhenTheyEnd) {
    ScopedTimeZone tz("UTC");
    Fixture f;
    const auto notAfter = f.clock.now + 20 * kDay;
    auto fired = f.engine->observeToken(token("T1", {cert("01", "Ana", notAfter)}), false);
    ASSERT_EQ(thresholdsOf(fired), (std::vector<int>{30}));
    const CertRef ref{"T1", "01", {}};

    f.engine->snooze(ref, 1);
    EXPECT_EQ(statusOf(*f.engine, f.clock.now, "01").state, ReminderState::Snoozed);
    EXPECT_EQ(f.engine->nextDue(), f.clock.now + kDay);
    f.clock.advance(kDay - 1min);
    EXPECT_TRUE(f.engine->evaluate().empty());
    f.clock.advance(1min);
    fired = f.engine->evaluate();
    ASSERT_EQ(fired.size(), 1u);
    EXPECT_EQ(fired[0].trigger, Trigger::SnoozeEnded);
    EXPECT_EQ(fired[0].threshold, 30);
    EXPECT_EQ(statusOf(*f.engine, f.clock.now, "01").state, ReminderState::Due);

    f.engine->snooze(ref, 3);
    // Inserting the token while snoozed does not remind.
    EXPECT_TRUE(f.engine->observeToken(token("T1", {cert("01", "Ana", notAfter)}), true).empty());
    f.clock.advance(3 * kDay);
    fired = f.engine->evaluate();
    ASSERT_EQ(fired.size(), 1u);
    EXPECT_EQ(fired[0].trigger, Trigger::SnoozeEnded);
    EXPECT_TRUE(f.engine->evaluate().empty());
    EXPECT_EQ(f.engine->nextDue(), thresholdStart(notAfter, 14));
}

TEST(ReminderEngine, SnoozeHoldsBackThresholdsButNotTheExpiry) {
    ScopedTimeZone tz("UTC");
    Fixture f;
    const auto notAfter = f.clock.now + 1 * kDay + 2h;  // inside the 1-day threshold
    f.engine->observeToken(token("T1", {cert("01", "Ana", notAfter)}), false);
    f.engine->snooze({"T1", "01", {}}, 3);
    EXPECT_EQ(f.engine->nextDue(), notAfter);
    f.clock.set(notAfter);
    auto fired = f.engine->evaluate();
    ASSERT_EQ(thresholdsOf(fired), (std::vector<int>{kExpired}));
    EXPECT_EQ(f.engine->nextDue(), std::nullopt);
}

TEST(ReminderEngine, DismissedCertificateIsNeverRemindedAgain) {
    ScopedTimeZone tz("UTC");
    Fixture f;
    const auto notAfter = f.clock.now + 50 * kDay;
    f.engine->observeToken(token("T1", {cert("01", "Ana", notAfter)}), false);
    f.engine->dismiss({"T1", "01", {}});
    EXPECT_EQ(f.engine->nextDue(), std::nullopt);
    f.restart();
    f.clock.set(notAfter + kDay);
    EXPECT_TRUE(f.engine->evaluate().empty());
    EXPECT_TRUE(f.engine->observeToken(token("T1", {cert("01", "Ana", notAfter)}), true).empty());
    EXPECT_EQ(statusOf(*f.engine, f.clock.now, "01").state, ReminderState::Dismissed);
    EXPECT_THROW(f.engine->dismiss({"T1", "99", {}}), certagent::sdk::PluginError);
}

TEST(ReminderEngine, NewerCertificateForTheSameSubjectOnTheTokenMeansRenewed) {
    ScopedTimeZone tz("UTC");
    Fixture f;
    const auto oldAfter = f.clock.now + 40 * kDay;
    auto old = cert("01", "Ana", oldAfter);
    f.engine->observeToken(token("T1", {old}), false);
    // The renewal installs a new certificate under a new key; the old one stays for now.
    auto renewed = cert("02", "Ana", f.clock.now + 400 * kDay);
    EXPECT_TRUE(f.engine->observeToken(token("T1", {old, renewed}), false).empty());
    EXPECT_EQ(statusOf(*f.engine, f.clock.now, "01").state, ReminderState::Renewed);
    f.clock.set(oldAfter + kDay);
    EXPECT_TRUE(f.engine->evaluate().empty());
    EXPECT_EQ(f.engine->nextDue(), thresholdStart(renewed.notAfter, 60));
}

TEST(ReminderEngine, CertificateReplacedByAnotherToolIsNotRemindedAbout) {
    ScopedTimeZone tz("UTC");
    Fixture f;
    const auto oldAfter = f.clock.now + 40 * kDay;
    f.engine->observeToken(token("T1", {cert("01", "Ana", oldAfter)}), false);
    // The vendor tool wrote another certificate under the same CKA_ID, with another subject.
    auto other = cert("01", "Ana Maria", f.clock.now + 300 * kDay);
    f.engine->observeToken(token("T1", {other}), true);
    f.clock.set(thresholdStart(oldAfter, 30));
    EXPECT_TRUE(f.engine->evaluate().empty());
    auto list = f.engine->list(f.clock.now);
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].record.cert.commonName, "Ana Maria");
    EXPECT_EQ(list[0].state, ReminderState::Scheduled);
    EXPECT_EQ(list[1].state, ReminderState::Replaced);
    // An action on (T1, 01) addresses the certificate on the token now.
    EXPECT_EQ(f.engine->find({"T1", "01", {}}).cert.commonName, "Ana Maria");
}

TEST(ReminderEngine, RenewalCompletedStopsReminders) {
    ScopedTimeZone tz("UTC");
    Fixture f;
    const auto notAfter = f.clock.now + 10 * kDay;
    f.engine->observeToken(token("T1", {cert("01", "Ana", notAfter)}), false);
    f.engine->renewalCompleted("T1", "01");
    EXPECT_EQ(statusOf(*f.engine, f.clock.now, "01").state, ReminderState::Renewed);
    EXPECT_EQ(f.engine->nextDue(), std::nullopt);
    f.clock.set(notAfter);
    EXPECT_TRUE(f.engine->evaluate().empty());
}

TEST(ReminderEngine, TokenInsertedRemindsAtOnceUntilAcknowledged) {
    ScopedTimeZone tz("UTC");
    Fixture f;
    const auto now = f.clock.now;
    auto a = cert("01", "Ana", now + 10 * kDay);
    auto b = cert("01", "Bogdan", now + 12 * kDay);
    EXPECT_EQ(f.engine->observeToken(token("T1", {a}), true).size(), 1u);
    EXPECT_EQ(f.engine->observeToken(token("T2", {b}), true).size(), 1u);
    f.engine->tokenRemoved("T1");
    f.clock.advance(2h);
    // Plugged in again: the 14-day reminder was never answered.
    auto fired = f.engine->observeToken(token("T1", {a}), true);
    ASSERT_EQ(fired.size(), 1u);
    EXPECT_EQ(fired[0].trigger, Trigger::TokenInserted);
    EXPECT_EQ(fired[0].record.tokenSerial, "T1");  // not T2's certificate
    // A rescan that is not an insertion does not repeat it.
    EXPECT_TRUE(f.engine->observeToken(token("T1", {a}), false).empty());
    f.engine->acknowledge({"T1", "01", {}});
    EXPECT_EQ(statusOf(*f.engine, f.clock.now, "01").state, ReminderState::Acknowledged);
    EXPECT_TRUE(f.engine->observeToken(token("T1", {a}), true).empty());
    // The next threshold is unacknowledged again.
    f.clock.set(thresholdStart(a.notAfter, 7));
    EXPECT_EQ(thresholdsOf(f.engine->evaluate()), (std::vector<int>{7}));
    // Plugged in right after it was shown (the agent's start-up scan, then the device
    // monitor's TokenInserted): not twice.
    EXPECT_TRUE(f.engine->observeToken(token("T1", {a}), true).empty());
    f.clock.advance(1h);
    EXPECT_EQ(f.engine->observeToken(token("T1", {a}), true).size(), 1u);
}

TEST(ReminderEngine, ClockSetBackwardsRepeatsNothingAndWaitsForTheNextThreshold) {
    ScopedTimeZone tz("UTC");
    Fixture f;
    const auto notAfter = f.clock.now + 6 * kDay;
    EXPECT_EQ(thresholdsOf(f.engine->observeToken(token("T1", {cert("01", "Ana", notAfter)}),
                                                  false)),
              (std::vector<int>{7}));
    f.clock.advance(-20 * kDay);  // inside the 30-day window now
    EXPECT_TRUE(f.engine->evaluate().empty());
    EXPECT_EQ(f.engine->nextDue(), thresholdStart(notAfter, 3));
    f.clock.set(thresholdStart(notAfter, 7) + 1h);
    EXPECT_TRUE(f.engine->evaluate().empty());
    f.clock.set(thresholdStart(notAfter, 3));
    EXPECT_EQ(thresholdsOf(f.engine->evaluate()), (std::vector<int>{3}));
}

TEST(ReminderEngine, DstChangeBetweenThresholdsKeepsLocalMidnights) {
    ScopedTimeZone tz("Europe/Bucharest");
    Fixture f;
    f.clock.set(at("2026-03-20T10:00:00Z"));
    const auto notAfter = at("2026-04-10T09:00:00Z");
    EXPECT_EQ(thresholdsOf(f.engine->observeToken(token("T1", {cert("01", "Ana", notAfter)}),
                                                  false)),
              (std::vector<int>{30}));
    EXPECT_EQ(isoUtc(*f.engine->nextDue()), "2026-03-26T22:00:00Z");  // 27 Mar 00:00 EET
    EXPECT_EQ(thresholdsOf(f.runToNext()), (std::vector<int>{14}));
    // Summer time began on 29 March: the 7-day reminder is at 00:00 EEST.
    EXPECT_EQ(isoUtc(*f.engine->nextDue()), "2026-04-02T21:00:00Z");
    auto fired = f.runToNext();
    ASSERT_EQ(thresholdsOf(fired), (std::vector<int>{7}));
    EXPECT_EQ(fired[0].daysLeft, 7);
}

TEST(ReminderEngine, TimeZoneChangeMovesTheNextReminderToTheNewLocalMidnight) {
    ScopedTimeZone tz("Europe/Bucharest");
    Fixture f;
    const auto notAfter = at("2026-06-10T12:00:00Z");
    f.clock.set(at("2026-05-01T10:00:00Z"));
    f.engine->observeToken(token("T1", {cert("01", "Ana", notAfter)}), false);  // fires 60
    EXPECT_EQ(isoUtc(*f.engine->nextDue()), "2026-05-10T21:00:00Z");  // 11 May 00:00 EEST
    // The user flies to New York; the platform tells the agent the zone changed.
    ScopedTimeZone::set("America/New_York");
    EXPECT_EQ(isoUtc(*f.engine->nextDue()), "2026-05-11T04:00:00Z");  // 11 May 00:00 EDT
    f.clock.set(at("2026-05-10T21:00:00Z"));
    EXPECT_TRUE(f.engine->evaluate().empty());
    f.clock.set(at("2026-05-11T04:00:00Z"));
    auto fired = f.engine->evaluate();
    ASSERT_EQ(thresholdsOf(fired), (std::vector<int>{30}));
    EXPECT_EQ(fired[0].daysLeft, 30);
}

TEST(ReminderEngine, SnoozeOutsideOneToThirtyDaysIsRefusedAndChangesNothing) {
    ScopedTimeZone tz("UTC");
    Fixture f;
    f.engine->observeToken(token("T1", {cert("01", "Ana", f.clock.now + 10 * kDay)}), false);
    EXPECT_THROW(f.engine->snooze({"T1", "01", {}}, 0), certagent::sdk::PluginError);
    EXPECT_THROW(f.engine->snooze({"T1", "01", {}}, 31), certagent::sdk::PluginError);
    EXPECT_EQ(statusOf(*f.engine, f.clock.now, "01").state, ReminderState::Due);
}

TEST(ReminderDatabase, ADamagedFileIsReportedByNameAndLeftAsItIs) {
    Fixture f;
    f.engine.reset();
    const std::string garbage(8192, 'x');
    certagent::testing::writeFile(f.file(), garbage);
    try {
        f.open();
        FAIL() << "a damaged database opened";
    } catch (const DatabaseError& e) {
        EXPECT_NE(std::string(e.what()).find(f.file().string()), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("left as it is"), std::string::npos) << e.what();
    }
    EXPECT_EQ(certagent::testing::readFile(f.file()), garbage);
    EXPECT_FALSE(std::filesystem::exists(f.file().string() + "-wal"));
}

TEST(ReminderDatabase, OneWrittenByANewerPluginIsRefusedAndLeftAsItIs) {
    ScopedTimeZone tz("UTC");
    Fixture f;
    f.engine->observeToken(token("T1", {cert("01", "Ana", f.clock.now + 10 * kDay)}), false);
    f.engine.reset();
    {
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open(f.file().c_str(), &db), SQLITE_OK);
        sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr);
        sqlite3_close(db);
    }
    try {
        f.open();
        FAIL() << "a newer database opened";
    } catch (const DatabaseError& e) {
        EXPECT_NE(std::string(e.what()).find("schema 99"), std::string::npos) << e.what();
    }
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(f.file().c_str(), &db), SQLITE_OK);
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(db, "SELECT count(*) FROM reminder_certs", -1, &s, nullptr);
    ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int(s, 0), 1);  // the record is still there
    sqlite3_finalize(s);
    sqlite3_close(db);
}

// What certagent kept before the reminders became a plugin: its state.sqlite3 with the tables
// of the core's "reminders" area (the same columns as the plugin's).
TEST(ReminderDatabase, ANewDatabaseTakesOverTheRecordsTheAgentKeptBeforeOnceAndReadOnly) {
    ScopedTimeZone tz("UTC");
    Fixture old;
    const auto notAfter = old.clock.now + 10 * kDay;
    old.engine->observeToken(token("T1", {cert("01", "Ana", notAfter), cert("02", "Bo", notAfter)}),
                             false);  // both fire their 14-day step
    old.engine->dismiss({"T1", "02", {}});
    old.engine.reset();
    // The agent's database: another file, with more tables of its own.
    const auto legacy = old.dir / "state.sqlite3";
    std::filesystem::copy_file(old.file(), legacy);
    {
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open(legacy.c_str(), &db), SQLITE_OK);
        sqlite3_exec(db, "PRAGMA journal_mode = DELETE; CREATE TABLE kv (k TEXT, v TEXT);",
                     nullptr, nullptr, nullptr);
        sqlite3_close(db);
    }
    const auto before = certagent::testing::readFile(legacy);

    Fixture f;
    f.clock = old.clock;
    EXPECT_EQ(f.engine->importLegacyOnce(legacy), 2u);
    EXPECT_EQ(certagent::testing::readFile(legacy), before);
    // Nothing repeats, the answer stands, the next step comes as planned.
    EXPECT_TRUE(f.engine->evaluate().empty());
    EXPECT_EQ(statusOf(*f.engine, f.clock.now, "02").state, ReminderState::Dismissed);
    EXPECT_EQ(f.engine->nextDue(), thresholdStart(notAfter, 7));
    f.restart();
    EXPECT_EQ(f.engine->importLegacyOnce(legacy), 0u);  // only into a new database

    // No such file, or one without those tables: nothing comes over.
    Fixture fresh;
    EXPECT_EQ(fresh.engine->importLegacyOnce(fresh.dir / "missing.sqlite3"), 0u);
    Fixture other;
    const auto agentOnly = other.dir / "agent.sqlite3";
    {
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open(agentOnly.c_str(), &db), SQLITE_OK);
        sqlite3_exec(db, "CREATE TABLE kv (k TEXT, v TEXT);", nullptr, nullptr, nullptr);
        sqlite3_close(db);
    }
    EXPECT_EQ(other.engine->importLegacyOnce(agentOnly), 0u);
}
