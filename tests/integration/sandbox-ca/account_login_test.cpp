// Login by TLS client certificate, account creation with e-mail confirmation, idempotency keys.
#include "portal_test_support.hpp"

#include <openssl/pem.h>
#include <openssl/x509v3.h>

namespace certagent::testing {
namespace {

class AccountAndLogin : public PortalTest {
  protected:
    void SetUp() override { startCa(); }
    static std::string code(const HttpResponse& r) {
        try {
            return r.json().at("error").at("code");
        } catch (...) {
            return "<no JSON error: " + r.body + r.error + ">";
        }
    }
};

TEST_F(AccountAndLogin, AccountIsCreatedAndActivatedByTheMailedLink) {
    auto h = ca->issueHolder({.common_name = "ANA POP", .email = "ana@example.test"});
    auto c = clientFor(h);
    auto status = c.get(api("account"));
    ASSERT_EQ(status.status, 200) << status.body << status.error;
    EXPECT_EQ(status.json().at("status"), "NONE");
    EXPECT_EQ(status.json().at("holder").at("id"), h.holder_id);

    // Before activation the portal's data stays closed.
    EXPECT_EQ(code(c.get(api("certificates"))), "ACCOUNT_NOT_ACTIVE");

    auto created = c.postJson(api("account"), {{"language", "ro"}}, newKey());
    EXPECT_EQ(created.status, 202) << created.body;
    EXPECT_EQ(c.get(api("account")).json().at("status"), "PENDING_CONFIRMATION");
    auto mails = ca->mails("account-confirmation");
    ASSERT_EQ(mails.size(), 1u);
    EXPECT_EQ(mails[0].to, "<ana@example.test>");
    EXPECT_NE(mails[0].body.find(mails[0].link), std::string::npos);

    auto page = ca->confirmAccount(anonymous());  // a browser, no client certificate
    EXPECT_EQ(page.status, 200);
    EXPECT_NE(page.body.find("Cont activat cu succes"), std::string::npos);
    EXPECT_EQ(c.get(api("account")).json().at("status"), "ACTIVE");
    EXPECT_NE(ca->confirmAccount(anonymous()).body.find("deja activ"), std::string::npos);
    EXPECT_EQ(code(c.postJson(api("account"), nlohmann::json::object(), newKey())),
              "ACCOUNT_ALREADY_ACTIVE");
    EXPECT_EQ(anonymous().get(ca->url() + "portal/confirm/0000").status, 404);
}

TEST_F(AccountAndLogin, IdempotencyKeyReplaysTheStoredAnswerAndRejectsAnotherBody) {
    auto h = ca->issueHolder();
    auto c = clientFor(h);
    auto key = newKey();
    auto first = c.postJson(api("account"), {{"language", "en"}}, key);
    ASSERT_EQ(first.status, 202);
    auto again = c.postJson(api("account"), {{"language", "en"}}, key);
    EXPECT_EQ(again.status, 202);
    EXPECT_EQ(again.body, first.body);
    EXPECT_EQ(again.header("idempotent-replayed"), "true");
    EXPECT_EQ(ca->mails().size(), 1u) << "a replay sends no second mail";

    auto other = c.postJson(api("account"), {{"language", "ro"}}, key);
    EXPECT_EQ(other.status, 422);
    EXPECT_EQ(code(other), "IDEMPOTENCY_KEY_REUSED");

    auto missing = c.postJson(api("account"), nlohmann::json::object(), "");
    EXPECT_EQ(missing.status, 400);
    EXPECT_EQ(code(missing), "IDEMPOTENCY_KEY_REQUIRED");
    auto bad = c.postJson(api("account"), nlohmann::json::object(), "spaces are not allowed");
    EXPECT_EQ(code(bad), "INVALID_IDEMPOTENCY_KEY");
}

TEST_F(AccountAndLogin, NoClientCertificateIsRefusedWithAJsonError) {
    auto r = anonymous().get(api("account"));
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(code(r), "CLIENT_CERT_REQUIRED");
}

TEST_F(AccountAndLogin, CertificateFromAnotherCaIsRefused) {
    // Another CA, made here, issues a certificate with the same subject shape.
    auto other = TempDir("foreign-ca");
    SandboxCa foreign(other.path() / "ca");
    auto stranger = foreign.issueHolder({.common_name = "ION POPESCU"});
    auto r = clientFor(stranger).get(api("account"));
    EXPECT_EQ(r.status, 401) << r.body << r.error;
    EXPECT_EQ(code(r), "CLIENT_CERT_UNTRUSTED");
}

TEST_F(AccountAndLogin, ExpiredCertificateIsRefused) {
    auto h = ca->issueHolder({.days_left = -3});
    auto r = clientFor(h).get(api("account"));
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(code(r), "CLIENT_CERT_EXPIRED");
}

TEST_F(AccountAndLogin, RevokedCertificateIsRefusedOnTheNextRequest) {
    auto h = activeHolder();
    auto c = clientFor(h);
    EXPECT_EQ(c.get(api("account")).status, 200);
    ca->revoke(h.serial);  // operator command against the live database
    auto r = c.get(api("account"));
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(code(r), "CLIENT_CERT_REVOKED");
}

TEST_F(AccountAndLogin, UnknownEndpointAndServerTlsAreWhatTheDocSays) {
    auto h = ca->issueHolder();
    auto r = clientFor(h).get(api("nothing-here"));
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(code(r), "NOT_FOUND");
    // The server certificate names 127.0.0.1 and localhost; both verify against the bundle.
    HttpsTestClient c(ca->trustBundle());
    c.withClientCert(h.cert, h.key);
    auto by_name = c.get("https://localhost:" + std::to_string(ca->port()) + "/api/v1/account");
    EXPECT_EQ(by_name.status, 200) << by_name.error;
    // Another trust bundle does not verify it: the client never turns verification off.
    HttpsTestClient wrong(ca->caChain().parent_path() / "nonexistent.pem");
    EXPECT_EQ(wrong.get(api("account")).status, 0);
}

}  // namespace
}  // namespace certagent::testing
