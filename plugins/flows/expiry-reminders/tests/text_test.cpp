// What the user reads: days left, the exact expiry date in local time, the event's fields.
#include <gtest/gtest.h>

#include "text.hpp"
#include "reminders_test_util.hpp"

using namespace expiry_reminders;
using namespace expiry_reminders::testing;

namespace {

Reminder reminderFor(const ObservedCertificate& c, int threshold, long daysLeft) {
    Reminder r;
    r.record.tokenSerial = "A1B2";
    r.record.tokenLabel = "Ana's token";
    r.record.cert = c;
    r.threshold = threshold;
    r.daysLeft = daysLeft;
    r.severity = threshold == kExpired ? Severity::Critical : Severity::Warning;
    return r;
}

}  // namespace

TEST(ReminderText, SaysDaysLeftAndTheExactLocalExpiryDate) {
    ScopedTimeZone tz("Europe/Bucharest");
    auto c = cert("01", "Ana Popescu", at("2026-11-25T15:07:00Z"));
    auto t = reminderText(reminderFor(c, 7, 7));
    EXPECT_EQ(t.title, "Your qualified certificate expires in 7 days");
    EXPECT_NE(t.body.find("Ana Popescu"), std::string::npos) << t.body;
    EXPECT_NE(t.body.find("Ana's token (A1B2)"), std::string::npos) << t.body;
    EXPECT_NE(t.body.find("2026-11-25 17:07 EET"), std::string::npos) << t.body;
    c.qualified = false;
    EXPECT_EQ(reminderText(reminderFor(c, 1, 1)).title, "Your certificate expires in 1 day");
    EXPECT_EQ(reminderText(reminderFor(c, 0, 0)).title, "Your certificate expires today");
}

TEST(ReminderText, ExpiredIsCriticalAndSaysWhen) {
    ScopedTimeZone tz("UTC");
    auto c = cert("01", "Ana Popescu", at("2026-01-05T08:00:00Z"));
    auto r = reminderFor(c, kExpired, -3);
    auto t = reminderText(r);
    EXPECT_EQ(t.title, "Your qualified certificate has expired");
    EXPECT_NE(t.body.find("expired on 2026-01-05 08:00 UTC"), std::string::npos) << t.body;
    auto e = reminderEvent(r);
    EXPECT_EQ(e["type"], "ReminderDue");
    EXPECT_EQ(e["severity"], "critical");
    EXPECT_EQ(e["threshold"], "expired");
    EXPECT_EQ(e["not_after"], "2026-01-05T08:00:00Z");
    EXPECT_EQ(e["days_left"], -3);
    EXPECT_EQ(e["token"], "A1B2");
    EXPECT_EQ(e["cert"], "01");
    EXPECT_EQ(e["actions"].size(), 4u);
}

TEST(ReminderText, EnvironmentCarriesEveryFieldAsCertagentVariables) {
    ScopedTimeZone tz("UTC");
    auto env = reminderEnvironment(reminderFor(cert("0a", "Ana", at("2026-01-05T08:00:00Z")), 14, 12));
    auto has = [&](const std::string& kv) {
        auto eq = kv.find('=');
        auto it = env.find(kv.substr(0, eq));
        return it != env.end() && it->second == kv.substr(eq + 1);
    };
    EXPECT_TRUE(has("CERTAGENT_TOKEN=A1B2"));
    EXPECT_TRUE(has("CERTAGENT_CERT_ID=0a"));
    EXPECT_TRUE(has("CERTAGENT_SUBJECT=CN=Ana,O=Example,C=RO"));
    EXPECT_TRUE(has("CERTAGENT_NOT_AFTER=2026-01-05T08:00:00Z"));
    EXPECT_TRUE(has("CERTAGENT_DAYS_LEFT=12"));
    EXPECT_TRUE(has("CERTAGENT_THRESHOLD=14"));
    EXPECT_TRUE(has("CERTAGENT_QUALIFIED=1"));
    EXPECT_TRUE(has("CERTAGENT_HAS_PRIVATE_KEY=1"));
    for (const auto& [name, value] : env) EXPECT_EQ(name.rfind("CERTAGENT_", 0), 0u) << name;
    EXPECT_EQ(env.size(), 19u);
}
