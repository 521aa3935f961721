// The CMP backend's key update (kur) end to end against an implementation nobody here wrote:
// OpenSSL's own CMP mock server (cmp_scene.hpp).
#include <csignal>

#include "cmp_scene.hpp"

namespace certagent::testing::cmp {
namespace {

void expectRenewed(CmpScene& s) {
    auto objects = s.objects();
    EXPECT_EQ(count(objects, "Certificate Object"), 2) << objects;
    EXPECT_EQ(count(objects, "Private Key Object"), 2) << objects;
}

// A refusal ends the renewal (its new key is removed); a misconfiguration keeps it open, with
// its new key, for when the configuration is fixed.
void expectUntouched(CmpScene& s, bool ended = true) {
    auto objects = s.objects();
    EXPECT_EQ(count(objects, "Certificate Object"), 1) << objects;
    EXPECT_EQ(count(objects, "Private Key Object"), ended ? 1 : 2) << objects;
    EXPECT_NE(objects.find("ID:         a1"), std::string::npos) << objects;
}

TEST_F(CmpTest, RenewsAnRsaKeyWithKeyUpdateAndConfirmation) {
    CmpScene s(TestKeyType::Rsa2048);
    s.prepare();
    s.startServer();
    auto r = s.renew();
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err << slurp(s.serverLog);
    EXPECT_EQ(s.received("KUR"), 1);
    EXPECT_EQ(s.received("CERTCONF"), 1);
    expectRenewed(s);
}

TEST_F(CmpTest, RenewsAnEcKeyWithKeyUpdateAndConfirmation) {
    CmpScene s(TestKeyType::EcP256);
    s.prepare();
    s.startServer();
    auto r = s.renew();
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err << slurp(s.serverLog);
    EXPECT_EQ(s.received("KUR"), 1);
    EXPECT_EQ(s.received("CERTCONF"), 1);
    expectRenewed(s);
}

TEST_F(CmpTest, KilledAfterTheRequestWasSentResumesWithTheSameRequest) {
    CmpScene s(TestKeyType::EcP256);
    s.prepare();
    s.startServer();
    auto killed = s.renew({"CERTAGENT_FAULT_AT=certificate:after"});
    ASSERT_NE(killed.exit_code, 0) << killed.err;
    const auto sent = s.journalValue("cmp.request");
    ASSERT_FALSE(sent.empty());
    EXPECT_EQ(s.received("KUR"), 1);
    auto r = s.renew();
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err << slurp(s.serverLog);
    // The journalled bytes again (same transaction, nonce and signature), not a new request.
    EXPECT_EQ(s.journalValue("cmp.request"), sent);
    EXPECT_EQ(s.received("KUR"), 2);
    EXPECT_EQ(s.received("CERTCONF"), 1);
    expectRenewed(s);
}

TEST_F(CmpTest, ServerAnsweringWaitingIsPolledUntilItGrants) {
    CmpScene s(TestKeyType::EcP256);
    s.prepare();
    s.startServer({.pollCount = 2});
    auto r = s.renew();
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err << slurp(s.serverLog);
    EXPECT_EQ(s.received("KUR"), 1);
    EXPECT_EQ(s.received("POLLREQ"), 2);
    expectRenewed(s);
}

// kill -9 while the server says "waiting": the resumed renewal asks about the same
// transaction with a pollReq (the journalled answers replayed to OpenSSL, nothing re-sent).
TEST_F(CmpTest, KilledWhileWaitingResumesByPollingTheSameTransaction) {
    CmpScene s(TestKeyType::EcP256);
    s.prepare();
    s.startServer({.pollCount = 3, .checkAfter = 2});
    const fs::path log = s.dir / "killed-renew.log";
    BackgroundProcess agent(s.argv(s.renewArgs()),
                            s.environment({"CERTAGENT_RENEWAL_MAX_POLL_S=30"}), log);
    // The kur was answered "waiting", OpenSSL polled once and the agent now waits checkAfter.
    ASSERT_TRUE(
        waitUntil([&] { return s.received("POLLREQ") == 1 && !s.journalValue("cmp.poll").empty(); },
                  std::chrono::seconds(20)))
        << slurp(log) << slurp(s.serverLog);
    ::kill(agent.pid(), SIGKILL);
    agent.wait(std::chrono::seconds(5));
    EXPECT_EQ(s.received("KUR"), 1);
    const auto sent = s.journalValue("cmp.request");
    auto r = s.renew();
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err << slurp(s.serverLog);
    // The same transaction polled to its end: no second kur, no error message to the server.
    EXPECT_EQ(s.received("KUR"), 1) << slurp(s.serverLog);
    EXPECT_EQ(s.received("POLLREQ"), 3) << slurp(s.serverLog);
    EXPECT_EQ(s.received("CERTCONF"), 1);
    EXPECT_EQ(s.received("ERROR"), 0);
    EXPECT_EQ(s.journalValue("cmp.request"), sent);
    expectRenewed(s);
}

// [renewal.cmp] secret_file: the kur is MAC-protected with it (RFC 9483 section 3.2) and the
// server's MAC-protected answer is checked with the same secret.
TEST_F(CmpTest, RenewsWithMacProtectionWhenASecretFileIsConfigured) {
    CmpScene s(TestKeyType::EcP256);
    const fs::path secret = s.dir / "cmp.secret";
    writeFile(secret, "kur-secret-7\n");
    fs::permissions(secret, fs::perms::owner_read | fs::perms::owner_write);
    s.extraConfig = "secret_file = \"" + secret.string() + "\"\nreference = \"token-42\"\n";
    s.prepare();
    s.startServer({.secret = "kur-secret-7"});
    auto r = s.renew();
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err << slurp(s.serverLog);
    EXPECT_EQ(s.received("KUR"), 1);
    // The server protects its answers with the secret too (PBM), which the agent checked.
    EXPECT_NE(slurp(s.serverLog).find("PBM"), std::string::npos) << slurp(s.serverLog);
    expectRenewed(s);
}

TEST_F(CmpTest, ConfigCheckRefusesASecretFileOthersCanRead) {
    CmpScene s(TestKeyType::EcP256);
    const fs::path secret = s.dir / "cmp.secret";
    writeFile(secret, "kur-secret-7\n");
    fs::permissions(secret, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                                fs::perms::others_read);
    s.url = "http://127.0.0.1:9/pkix/";
    s.extraConfig = "secret_file = \"" + secret.string() + "\"\n";
    s.writeConfig();
    auto r = s.cli({"config", "check"});
    EXPECT_NE(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE((r.out + r.err).find("renewal.cmp.secret_file"), std::string::npos) << r.out << r.err;
    EXPECT_NE((r.out + r.err).find("chmod 600"), std::string::npos) << r.out << r.err;
    EXPECT_EQ((r.out + r.err).find("kur-secret-7"), std::string::npos) << r.out << r.err;
}

struct Refusal {
    int bit;
    const char* says;
};
class CmpRefusal : public CmpTest, public ::testing::WithParamInterface<Refusal> {};

TEST_P(CmpRefusal, ClearMessageAndTheOldCertificateUntouched) {
    CmpScene s(TestKeyType::EcP256);
    s.prepare();
    s.startServer({.pkiStatus = 2, .failure = GetParam().bit});
    auto r = s.renew();
    EXPECT_NE(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE((r.out + r.err).find(GetParam().says), std::string::npos) << r.out << r.err;
    expectUntouched(s);
}

INSTANTIATE_TEST_SUITE_P(FailInfo, CmpRefusal,
                         ::testing::Values(Refusal{9, "(badPOP)"}, Refusal{4, "(badCertId)"},
                                           Refusal{23, "(notAuthorized)"},
                                           Refusal{21, "(transactionIdInUse)"}),
                         [](const auto& param_info) {
                             return std::to_string(param_info.param.bit);
                         });

TEST_F(CmpTest, ServerWhoseProtectionIsNotTrustedIsRefused) {
    CmpScene s(TestKeyType::EcP256);
    s.prepare();
    s.startServer({.untrustedProtection = true});
    auto r = s.renew();
    EXPECT_NE(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE((r.out + r.err).find("not signed by a certificate"), std::string::npos)
        << r.out << r.err;
    expectUntouched(s, false);
}

TEST_F(CmpTest, ConfigCheckNamesTheMissingServer) {
    CmpScene s(TestKeyType::EcP256);
    writeFile(s.config, "[renewal]\nbackend = \"cmp\"\n");
    auto r = s.cli({"config", "check"});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE((r.out + r.err).find("renewal.cmp.server"), std::string::npos) << r.out << r.err;
    EXPECT_NE((r.out + r.err).find("renewal.cmp.trusted"), std::string::npos) << r.out << r.err;
}

}  // namespace
}  // namespace certagent::testing::cmp
