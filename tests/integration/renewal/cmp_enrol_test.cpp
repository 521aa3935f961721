// First enrolment (ir) from a token without a certificate, through `certagent-cli enrol`,
// against OpenSSL's CMP mock server protecting its messages with a shared secret (PBM).
#include "cmp_scene.hpp"

namespace certagent::testing::cmp {
namespace {

constexpr const char* kSecret = "CMP_SECRET=enrol-secret-3141";

// The certificate on the token (read back with pkcs11-tool), its subject, and whether it
// chains to the fixture's CA and carries the token's new public key.
void expectEnrolled(CmpScene& s) {
    auto objects = s.objects();
    EXPECT_EQ(count(objects, "Certificate Object"), 1) << objects;
    EXPECT_EQ(count(objects, "Private Key Object"), 1) << objects;
    auto at = objects.find("Certificate Object");
    ASSERT_NE(at, std::string::npos) << objects;
    auto idAt = objects.find("ID:", at);
    ASSERT_NE(idAt, std::string::npos) << objects;
    auto id = objects.substr(idAt + 3, objects.find('\n', idAt) - idAt - 3);
    id.erase(0, id.find_first_not_of(' '));
    const auto der = s.dir / "enrolled.der", pub = s.dir / "token-pub.der";
    ASSERT_EQ(s.hsm
                  .pkcs11Tool(*s.token,
                              {"--read-object", "--type", "cert", "--id", id, "--output-file",
                               der.string()},
                              true)
                  .exit_code,
              0);
    ASSERT_EQ(s.hsm
                  .pkcs11Tool(*s.token,
                              {"--read-object", "--type", "pubkey", "--id", id, "--output-file",
                               pub.string()},
                              true)
                  .exit_code,
              0);
    auto subject = runProcess({"openssl", "x509", "-inform", "DER", "-in", der.string(), "-noout",
                               "-subject", "-nameopt", "compat"});
    EXPECT_NE(subject.out.find(kEnrolSubject), std::string::npos) << subject.out << subject.err;
    auto verify =
        runProcess({"sh", "-c",
                    "openssl x509 -inform DER -in '" + der.string() +
                        "' | openssl verify -CAfile '" + s.hsm.caCertFile().string() + "'"});
    EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
    auto certKey =
        runProcess({"openssl", "x509", "-inform", "DER", "-in", der.string(), "-noout", "-pubkey"});
    auto tokenKey =
        runProcess({"openssl", "pkey", "-pubin", "-inform", "DER", "-in", pub.string()});
    EXPECT_FALSE(certKey.out.empty());
    EXPECT_EQ(certKey.out, tokenKey.out) << tokenKey.err;
}

void enrolsEndToEnd(const std::string& keyType) {
    CmpScene s(std::nullopt);
    s.prepare(keyType);
    s.startServer({.secret = "enrol-secret-3141", .signs = false});
    auto r = s.enrol(keyType, {kSecret});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err << slurp(s.serverLog);
    EXPECT_EQ(s.received("IR"), 1);
    EXPECT_EQ(s.received("CERTCONF"), 1);
    EXPECT_EQ((r.out + r.err).find("enrol-secret-3141"), std::string::npos);
    // Neither the journal nor the agent's log holds the secret; the ir is MAC-protected with
    // HMAC-SHA256 (RFC 9481), its senderKID the reference given.
    for (const auto& f : fs::recursive_directory_iterator(s.stateDir)) {
        if (f.is_regular_file()) {
            EXPECT_EQ(slurp(f.path()).find("enrol-secret-3141"), std::string::npos) << f.path();
        }
    }
    const auto hex = s.journalValue("cmp.request");
    std::string der;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        der.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    writeFile(s.dir / "ir.der", der);
    auto parsed =
        runProcess({"openssl", "asn1parse", "-inform", "DER", "-in", (s.dir / "ir.der").string()});
    EXPECT_NE(parsed.out.find("hmacWithSHA256"), std::string::npos) << parsed.out << parsed.err;
    EXPECT_NE(parsed.out.find(":enrol-42"), std::string::npos) << parsed.out;
    expectEnrolled(s);
}

TEST_F(CmpTest, EnrolsAnRsaKeyWithInitializationRequestAndSharedSecret) {
    enrolsEndToEnd("rsa2048");
}

TEST_F(CmpTest, EnrolsAnEcKeyWithInitializationRequestAndSharedSecret) {
    enrolsEndToEnd("ec-p256");
}

// A wrong secret: the server cannot check the ir, its answer does not check here. A clear
// message, nothing installed; with the right secret the same enrolment then completes.
TEST_F(CmpTest, WrongSharedSecretInstallsNothingAndTheRightOneCompletes) {
    CmpScene s(std::nullopt);
    s.prepare("ec-p256");
    s.startServer({.secret = "enrol-secret-3141", .signs = false});
    auto wrong = s.enrol("ec-p256", {"CMP_SECRET=not-the-secret"});
    EXPECT_NE(wrong.exit_code, 0) << wrong.out << wrong.err;
    EXPECT_NE((wrong.out + wrong.err).find("shared secret"), std::string::npos)
        << wrong.out << wrong.err;
    EXPECT_EQ((wrong.out + wrong.err).find("not-the-secret"), std::string::npos);
    auto objects = s.objects();
    EXPECT_EQ(count(objects, "Certificate Object"), 0) << objects;
    EXPECT_EQ(s.received("IR"), 1);

    auto right = s.enrol("ec-p256", {kSecret});
    ASSERT_EQ(right.exit_code, 0) << right.out << right.err << slurp(s.serverLog);
    EXPECT_EQ(s.received("IR"), 2);  // a new request: the server never took the first one
    expectEnrolled(s);
}

TEST_F(CmpTest, EnrolmentWithoutASecretSaysHowToGiveOne) {
    CmpScene s(std::nullopt);
    s.url = "http://127.0.0.1:9/pkix/";
    s.writeConfig();
    auto r = s.cli({"enrol", "--token", s.token->serial, "--subject", kEnrolSubject, "--pin-env",
                    "RENEW_PIN"});
    EXPECT_NE(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE((r.out + r.err).find("--secret-env"), std::string::npos) << r.out << r.err;
    EXPECT_EQ(count(s.objects(), "Private Key Object"), 0);
}

}  // namespace
}  // namespace certagent::testing::cmp
