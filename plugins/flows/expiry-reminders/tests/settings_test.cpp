// [reminders] as the plugin reads it: defaults, normalised days, and values it cannot use
// refused with the key named (reminders then stay off; nothing half-applies).
#include <gtest/gtest.h>

#include <certagent/sdk/plugin.hpp>

#include "settings.hpp"
#include "token_snapshot.hpp"

using namespace expiry_reminders;
using nlohmann::json;

TEST(ReminderSettings, DefaultsWhenTheAgentHasNoValue) {
    auto s = parseSettings(json(), json(), json());
    EXPECT_TRUE(s.enabled);
    EXPECT_EQ(s.thresholds, (std::vector<int>{60, 30, 14, 7, 3, 1}));
    EXPECT_TRUE(s.command.empty());
}

TEST(ReminderSettings, DaysAreSortedWithoutDuplicatesAndTheCommandIsKeptVerbatim) {
    auto s = parseSettings(false, json::array({1, 30, 7, 30, 0}),
                           json::array({"/usr/local/bin/notify", "--queue", "a b;c"}));
    EXPECT_FALSE(s.enabled);
    EXPECT_EQ(s.thresholds, (std::vector<int>{30, 7, 1, 0}));
    EXPECT_EQ(s.command, (std::vector<std::string>{"/usr/local/bin/notify", "--queue", "a b;c"}));
}

TEST(ReminderSettings, ValuesItCannotUseAreRefusedNamingTheKey) {
    struct Case {
        json enabled, days, command;
        const char* key;
    };
    for (const auto& c : std::vector<Case>{
             {"yes", json(), json(), "enabled"},
             {json(), json::array({30, -1}), json(), "days_before"},
             {json(), json::array({30, 3651}), json(), "days_before"},
             {json(), json::array({"30"}), json(), "days_before"},
             {json(), 30, json(), "days_before"},
             {json(), json(), "notify --queue", "command"},
             {json(), json(), json::array({"notify", 3}), "command"},
             {json(), json(), json::array({"", "x"}), "command"},
         }) {
        try {
            parseSettings(c.enabled, c.days, c.command);
            ADD_FAILURE() << "accepted " << c.key;
        } catch (const certagent::sdk::PluginError& e) {
            EXPECT_EQ(e.status(), CA_ERR_INVALID_ARGUMENT);
            EXPECT_NE(std::string(e.what()).find(std::string("[reminders] ") + c.key),
                      std::string::npos)
                << e.what();
        }
    }
}

TEST(ReminderSnapshots, WhatTheTokensExtensionSaysBecomesOneSnapshotPerToken) {
    // "der" is base64; the fingerprint is the SHA-256 of the bytes it stands for ("abc").
    auto tokens = json::array({{{"serial", "T1"}, {"label", "Ana"}}, {{"serial", "T2"}}});
    auto certs = json::array(
        {{{"token", "T1"},
          {"id", "01"},
          {"der", "YWJj"},
          {"subject", "CN=Ana"},
          {"common_name", "Ana"},
          {"not_after", "2026-11-25T15:07:00Z"},
          {"qualified", true},
          {"private_key", "present"}},
         {{"token", "T1"}, {"id", "02"}, {"error", "not a certificate"}},
         {{"token", "T1"}, {"id", "03"}, {"der", "YWJj"}, {"not_after", "soon"}},
         {{"token", "T1"}, {"id", "04"}, {"der", "%%%%"}, {"not_after", "2026-11-25T15:07:00Z"}},
         {{"token", "T1"},
          {"id", "05"},
          {"der", "YWJjZA=="},
          {"no_expiry", true},
          {"not_after", "2026-11-25T15:07:00Z"}},
         {{"token", "T9"}, {"id", "01"}, {"der", "YWJj"}, {"not_after", "2026-11-25T15:07:00Z"}},
         {{"token", "T2"},
          {"id", "0a"},
          {"der", "YWJjZA=="},
          {"qualified", "yes"},
          {"private_key", "unknown_until_login"},
          {"not_after", "2027-01-01T00:00:00Z"}}});
    auto snaps = snapshotsFrom(tokens, certs);
    ASSERT_EQ(snaps.size(), 2u);
    EXPECT_EQ(snaps[0].serial, "T1");
    EXPECT_EQ(snaps[0].label, "Ana");
    ASSERT_EQ(snaps[0].certificates.size(), 1u);
    const auto& c = snaps[0].certificates[0];
    EXPECT_EQ(c.idHex, "01");
    EXPECT_EQ(c.fingerprint, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(isoUtc(c.notAfter), "2026-11-25T15:07:00Z");
    EXPECT_TRUE(c.qualified);
    EXPECT_TRUE(c.hasPrivateKey);
    ASSERT_EQ(snaps[1].certificates.size(), 1u);
    EXPECT_EQ(snaps[1].certificates[0].fingerprint, fingerprintOf("YWJjZA=="));
    EXPECT_NE(snaps[1].certificates[0].fingerprint, c.fingerprint);
    EXPECT_FALSE(snaps[1].certificates[0].qualified);
    EXPECT_FALSE(snaps[1].certificates[0].hasPrivateKey);
    EXPECT_TRUE(snapshotsFrom(json::object(), json("x")).empty());
}
