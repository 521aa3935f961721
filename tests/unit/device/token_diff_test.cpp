// What a rescan reports, from two snapshots.
#include <gtest/gtest.h>

#include "certagent/core/device/token_tracker.hpp"

using namespace certagent;
using namespace certagent::device;

namespace {

TokenState state(const std::string& serial, std::map<std::string, std::string> certs = {},
                 bool read = true, const std::string& module = "/m.so") {
    TokenState s;
    s.info.serial = serial;
    s.info.module = module;
    s.info.plugin = "generic-pkcs11";
    s.certificates = std::move(certs);
    s.certificatesRead = read;
    return s;
}

TokenSnapshot snap(std::vector<TokenState> states) {
    TokenSnapshot out;
    for (auto& s : states) out.emplace(tokenKey(s.info), std::move(s));
    return out;
}

}  // namespace

TEST(TokenDiff, InsertedAndRemovedTokensAreTellApart) {
    auto changes = diffTokens(snap({state("A"), state("B")}), snap({state("B"), state("C")}));
    ASSERT_EQ(changes.removed.size(), 1u);
    EXPECT_EQ(changes.removed[0].serial, "A");
    ASSERT_EQ(changes.inserted.size(), 1u);
    EXPECT_EQ(changes.inserted[0].serial, "C");
}

TEST(TokenDiff, SameSerialInAnotherModuleIsAnotherToken) {
    auto changes = diffTokens(snap({state("A", {}, true, "/one.so")}),
                              snap({state("A", {}, true, "/two.so")}));
    EXPECT_EQ(changes.inserted.size(), 1u);
    EXPECT_EQ(changes.removed.size(), 1u);
}

TEST(TokenDiff, CertificateAddedRemovedAndReplacedUnderTheSameId) {
    auto before = snap({state("A", {{"01", "aa"}, {"02", "bb"}})});
    auto after = snap({state("A", {{"01", "aa"}, {"02", "cc"}, {"03", "dd"}})});
    auto changes = diffCertificates(before, after);
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(changes[0].added, (std::vector<std::string>{"02", "03"}));
    EXPECT_EQ(changes[0].removed, (std::vector<std::string>{"02"}));
    EXPECT_TRUE(diffCertificates(after, after).empty());
}

TEST(TokenDiff, NewTokenCertificatesCountAsAdded) {
    auto changes = diffCertificates(snap({}), snap({state("A", {{"01", "aa"}})}));
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(changes[0].added, (std::vector<std::string>{"01"}));
    // A new token without certificates has nothing to report.
    EXPECT_TRUE(diffCertificates(snap({}), snap({state("B")})).empty());
}

TEST(TokenDiff, UnreadCertificatesReportNothing) {
    auto before = snap({state("A", {{"01", "aa"}})});
    auto after = snap({state("A", {}, /*read=*/false)});
    EXPECT_TRUE(diffCertificates(before, after).empty());
}

TEST(TokenDiff, EventsCarrySerialPluginAndModule) {
    auto s = state("1234");
    s.info.label = "Alice";
    s.info.slotId = 7;
    auto t = fromEpochMs(0);
    auto in = tokenInsertedEvent(s.info, t, true);
    EXPECT_EQ(in["type"], "TokenInserted");
    EXPECT_EQ(in["serial"], "1234");
    EXPECT_EQ(in["plugin"], "generic-pkcs11");
    EXPECT_EQ(in["module"], "/m.so");
    EXPECT_EQ(in["slot"], 7);
    EXPECT_EQ(in["initial"], true);
    EXPECT_EQ(in["time"], "1970-01-01T00:00:00Z");
    EXPECT_FALSE(tokenInsertedEvent(s.info, t, false).contains("initial"));
    auto out = tokenRemovedEvent(s.info, t);
    EXPECT_EQ(out["type"], "TokenRemoved");
    EXPECT_EQ(out["label"], "Alice");
    auto changed = certificatesChangedEvent({s.info, {"01"}, {}}, t);
    EXPECT_EQ(changed["type"], "CertificatesChanged");
    EXPECT_EQ(changed["added"], nlohmann::json::array({"01"}));
    EXPECT_EQ(changed["removed"], nlohmann::json::array());
}
