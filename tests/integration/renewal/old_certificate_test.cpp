// After a renewal: the old certificate and its key are removed from the token only when the
// person asks (renew --remove-old, or --cleanup ID --remove-old later), the choice is in the
// journal, and a kill -9 in the middle of the removal is finished by the next run. What is left
// on the token is read with OpenSC's pkcs11-tool, not with certagent.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "renewal_fixture.hpp"

namespace certagent::testing {
namespace {

nlohmann::json onlyRenewal(RenewalScene& s) {
    auto j = s.cli({"--json", "renewals"});
    EXPECT_EQ(j.exit_code, 0) << j.err;
    auto list = nlohmann::json::parse(j.out);
    EXPECT_EQ(list.size(), 1u);
    return list.at(0);
}

// The journal's history entries of the old certificate, in order ("offered", "kept", ...).
std::vector<std::string> oldCertificateHistory(const nlohmann::json& r) {
    std::vector<std::string> out;
    for (const auto& h : r["history"])
        if (h.value("phase", "") == "old_certificate") out.push_back(h.value("status", ""));
    return out;
}

// Objects with this CKA_ID, as pkcs11-tool lists them after login.
struct Objects {
    int certificates = 0, privateKeys = 0, publicKeys = 0;
};
Objects objectsWithId(RenewalScene& s, const std::string& id) {
    Objects o;
    auto text = s.pkcs11Objects();
    // pkcs11-tool prints one block per object: its kind first, its "ID:" a few lines later.
    std::size_t at = 0;
    for (;;) {
        auto next = text.find(" Object;", at);
        if (next == std::string::npos) break;
        auto lineStart = text.rfind('\n', next);
        lineStart = lineStart == std::string::npos ? 0 : lineStart + 1;
        auto kind = text.substr(lineStart, next - lineStart);
        auto end = text.find(" Object;", next + 1);
        auto block = text.substr(next, end == std::string::npos ? std::string::npos : end - next);
        if (block.find("ID:         " + id + "\n") != std::string::npos) {
            if (kind.find("Certificate") != std::string::npos) ++o.certificates;
            if (kind.find("Private Key") != std::string::npos) ++o.privateKeys;
            if (kind.find("Public Key") != std::string::npos) ++o.publicKeys;
        }
        at = next + 1;
    }
    return o;
}

void expectBothThere(RenewalScene& s, const std::string& id) {
    auto o = objectsWithId(s, id);
    EXPECT_EQ(o.certificates, 1) << s.pkcs11Objects();
    EXPECT_EQ(o.privateKeys, 1) << s.pkcs11Objects();
}
void expectBothGone(RenewalScene& s, const std::string& id) {
    auto o = objectsWithId(s, id);
    EXPECT_EQ(o.certificates, 0) << s.pkcs11Objects();
    EXPECT_EQ(o.privateKeys, 0) << s.pkcs11Objects();
    EXPECT_EQ(o.publicKeys, 0) << s.pkcs11Objects();
}

TEST(OldCertificate, RemoveOldLeavesTheNewCertificateAndItsKeyCheckedWithPkcs11Tool) {
    RenewalScene s;
    auto r = s.renew({"--remove-old"});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("were removed from the token"), std::string::npos) << r.out;
    auto rec = onlyRenewal(s);
    EXPECT_EQ(rec["old_certificate"], "removed");
    EXPECT_EQ(oldCertificateHistory(rec),
              (std::vector<std::string>{"offered", "removing", "removed"}));
    const std::string newId = rec["candidate_key_id"];
    expectBothGone(s, s.certId);
    expectBothThere(s, newId);
    // certagent sees the same: only the new certificate, with its key.
    auto certs = s.cli({"--json", "certs"});
    ASSERT_EQ(certs.exit_code, 0) << certs.err;
    auto list = nlohmann::json::parse(certs.out);
    ASSERT_EQ(list.size(), 1u) << certs.out;
    EXPECT_EQ(list[0]["id"], newId);
}

TEST(OldCertificate, NothingIsRemovedUnaskedAndTheOfferStaysInTheJournal) {
    RenewalScene s;
    auto r = s.renew();  // --yes (for the declaration), no terminal, no flag: offered only
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("--cleanup"), std::string::npos) << r.out;
    auto rec = onlyRenewal(s);
    EXPECT_EQ(rec["old_certificate"], "offered");
    expectBothThere(s, s.certId);
    // Later: the answer for the finished renewal, by the 8 characters `renewals` shows.
    std::string id = rec["id"];
    auto later = s.cli(
        {"renew", "--cleanup", id.substr(0, 8), "--remove-old", "--pin-env", "CERTAGENT_TEST_PIN"},
        {"CERTAGENT_TEST_PIN=123456"});
    ASSERT_EQ(later.exit_code, 0) << later.out << later.err;
    expectBothGone(s, s.certId);
    expectBothThere(s, rec["candidate_key_id"].get<std::string>());
    EXPECT_EQ(onlyRenewal(s)["old_certificate"], "removed");
}

TEST(OldCertificate, KeepIsRecordedAndTheTokenIsUntouched) {
    RenewalScene s;
    auto r = s.renew({"--keep-old", "--yes"});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("stays on the token"), std::string::npos) << r.out;
    auto rec = onlyRenewal(s);
    EXPECT_EQ(rec["old_certificate"], "kept");
    EXPECT_EQ(oldCertificateHistory(rec), (std::vector<std::string>{"offered", "kept"}));
    expectBothThere(s, s.certId);
    auto both = s.cli({"renew", "--cleanup", rec["id"].get<std::string>()});
    EXPECT_EQ(both.exit_code, 2) << both.out << both.err;  // usage: a choice is required
}

TEST(OldCertificate, RefusedWhenTheNewCertificateIsNotOnTheTokenAndNothingIsRemoved) {
    RenewalScene s;
    ASSERT_EQ(s.renew().exit_code, 0);
    auto rec = onlyRenewal(s);
    const std::string newId = rec["candidate_key_id"];
    auto del =
        s.hsm.pkcs11Tool(*s.token, {"--delete-object", "--type", "cert", "--id", newId}, true);
    ASSERT_EQ(del.exit_code, 0) << del.err;
    auto r = s.cli({"renew", "--cleanup", rec["id"].get<std::string>(), "--remove-old", "--pin-env",
                    "CERTAGENT_TEST_PIN"},
                   {"CERTAGENT_TEST_PIN=123456"});
    EXPECT_NE(r.exit_code, 0) << r.out;
    EXPECT_NE(r.err.find("Nothing was removed"), std::string::npos) << r.err;
    expectBothThere(s, s.certId);
    EXPECT_EQ(onlyRenewal(s)["old_certificate"], "offered");
}

TEST(OldCertificate, RefusedWhenAnotherCertificateSitsUnderTheOldId) {
    RenewalScene s;
    ASSERT_EQ(s.renew().exit_code, 0);
    auto rec = onlyRenewal(s);
    // Someone replaced the old certificate (same CKA_ID, other DER) with another tool.
    ASSERT_EQ(
        s.hsm.pkcs11Tool(*s.token, {"--delete-object", "--type", "cert", "--id", s.certId}, true)
            .exit_code,
        0);
    s.hsm.addGarbageCertificate(*s.token, s.certId, "namesake");
    auto r = s.cli({"renew", "--cleanup", rec["id"].get<std::string>(), "--remove-old", "--pin-env",
                    "CERTAGENT_TEST_PIN"},
                   {"CERTAGENT_TEST_PIN=123456"});
    EXPECT_NE(r.exit_code, 0) << r.out;
    auto o = objectsWithId(s, s.certId);
    EXPECT_EQ(o.certificates, 1) << s.pkcs11Objects();
    EXPECT_EQ(o.privateKeys, 1) << s.pkcs11Objects();
}

// kill -9 before, in the middle of and after the deletions: right after the kill the token
// holds the old pair whole, or the certificate without its key (the middle), or nothing; the
// next run finishes, and then the old certificate and its key are both gone, the new ones there.
class RemovalKillPoint : public ::testing::TestWithParam<const char*> {};

TEST_P(RemovalKillPoint, TheNextRunFinishesTheRemoval) {
    RenewalScene s;
    const std::string point = GetParam();
    auto killed = s.renew({"--remove-old"}, {"CERTAGENT_FAULT_AT=" + point});
    ASSERT_NE(killed.exit_code, 0) << "not killed at " << point << "\n" << killed.err;
    auto rec = onlyRenewal(s);
    EXPECT_EQ(rec["state"], "done");
    EXPECT_EQ(rec["old_certificate"], "removing");  // the intent was journalled first
    auto o = objectsWithId(s, s.certId);
    if (point == "remove_old") {
        EXPECT_EQ(o.certificates, 1);
        EXPECT_EQ(o.privateKeys, 1);
    } else if (point == "remove_old:keys") {
        EXPECT_EQ(o.certificates, 1);  // still listed: the run below finds and finishes it
        EXPECT_EQ(o.privateKeys, 0);
    } else {
        EXPECT_EQ(o.certificates + o.privateKeys + o.publicKeys, 0);
    }
    auto again = s.cli({"renew", "--cleanup", rec["id"].get<std::string>(), "--remove-old",
                        "--pin-env", "CERTAGENT_TEST_PIN"},
                       {"CERTAGENT_TEST_PIN=123456"});
    ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
    expectBothGone(s, s.certId);
    expectBothThere(s, rec["candidate_key_id"].get<std::string>());
    auto after = onlyRenewal(s);
    EXPECT_EQ(after["old_certificate"], "removed");
    EXPECT_EQ(s.issuedCertificates(), 1);
}

INSTANTIATE_TEST_SUITE_P(Removal, RemovalKillPoint,
                         ::testing::Values("remove_old", "remove_old:keys", "remove_old:after"),
                         [](const auto& param_info) {
                             std::string n = param_info.param;
                             for (auto& c : n)
                                 if (c == ':') c = '_';
                             return n;
                         });

}  // namespace
}  // namespace certagent::testing
