// `enroll` puts a key pair and a first certificate on a real PKCS#11 token (SoftHSM2), and the
// key on the token logs in to the portal through the OpenSSL pkcs11 engine.
#include "portal_test_support.hpp"
#include "softhsm.hpp"

#include <cstdlib>

namespace certagent::testing {
namespace {

class TokenEnroll : public PortalTest {};

TEST_F(TokenEnroll, EnrollsOnSoftHsmAndTheTokenKeyLogsIn) {
    SoftHsm hsm;
    hsm.activate();  // this process (the engine inside libcurl) sees the same tokens
    auto& token = hsm.createToken("Titular");
    startCa();
    auto env = hsm.env();
    env.push_back("SANDBOX_TEST_PIN=" + token.pin);
    auto r = ca->enroll({"--module", SoftHsm::modulePath().string(), "--token-label", "Titular",
                         "--pin-env", "SANDBOX_TEST_PIN", "--days", "12", "--key", "ec256", "--id",
                         "a1", "--label", "Semnatura", "--cn", "ION TOKEN"},
                        env);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto record = nlohmann::json::parse(r.out);
    EXPECT_EQ(record.at("common_name"), "ION TOKEN");
    EXPECT_EQ(r.out.find(token.pin), std::string::npos);

    auto objects = hsm.pkcs11Tool(token, {"--list-objects"}, true);
    EXPECT_NE(objects.out.find("Certificate Object"), std::string::npos) << objects.out;
    EXPECT_NE(objects.out.find("Private Key Object"), std::string::npos) << objects.out;
    EXPECT_NE(objects.out.find("ID:         a1"), std::string::npos) << objects.out;
    EXPECT_NE(objects.out.find("Semnatura"), std::string::npos);

    // Read the certificate back from the token, and log in with the key that stays there.
    auto der = tmp / "token-cert.der";
    auto read = hsm.pkcs11Tool(
        token, {"--read-object", "--type", "cert", "--id", "a1", "--output-file", der.string()});
    ASSERT_EQ(read.exit_code, 0) << read.err;
    auto pem = tmp / "token-cert.pem";
    ASSERT_EQ(
        runProcess({"openssl", "x509", "-inform", "DER", "-in", der.string(), "-out", pem.string()})
            .exit_code,
        0);
    auto days = runProcess({"openssl", "x509", "-in", pem.string(), "-noout", "-checkend",
                            std::to_string(13 * 86400)});
    EXPECT_EQ(days.exit_code, 1) << "expires within 13 days";

    setenv("PKCS11_MODULE_PATH", SoftHsm::modulePath().c_str(), 1);
    HttpsTestClient c(ca->trustBundle());
    c.withTokenKey(pem, "pkcs11:token=Titular;id=%a1;type=private", token.pin);
    auto account = c.get(api("account"));
    ASSERT_EQ(account.status, 200) << account.body << account.error;
    EXPECT_EQ(account.json().at("login_certificate").at("serial"), record.at("serial"));
    EXPECT_LE(account.json().at("login_certificate").at("days_left").get<int>(), 12);
}

TEST_F(TokenEnroll, WrongPinLeavesTokenAndRegisterUntouched) {
    SoftHsm hsm;
    auto& token = hsm.createToken("Titular");
    startCa();
    auto env = hsm.env();
    env.push_back("SANDBOX_TEST_PIN=000000");
    auto r = ca->enroll({"--module", SoftHsm::modulePath().string(), "--token-label", "Titular",
                         "--pin-env", "SANDBOX_TEST_PIN", "--days", "30"},
                        env);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("wrong PIN"), std::string::npos) << r.err;
    auto objects = hsm.pkcs11Tool(token, {"--list-objects"}, true);
    EXPECT_EQ(objects.out.find("Object"), std::string::npos) << objects.out;

    auto missing = ca->enroll({"--module", SoftHsm::modulePath().string(), "--token-label",
                               "Titular", "--pin-env", "NOT_SET_ANYWHERE", "--days", "30"},
                              hsm.env());
    EXPECT_EQ(missing.exit_code, 2);
}

}  // namespace
}  // namespace certagent::testing

namespace certagent::testing {
namespace {

TEST_F(TokenEnroll, DefaultKeyIsRsa2048AndTheCertificateMatchesTheTokenKey) {
    SoftHsm hsm;
    auto& token = hsm.createToken("Titular RSA");
    startCa();
    auto env = hsm.env();
    env.push_back("SANDBOX_TEST_PIN=" + token.pin);
    auto r = ca->enroll({"--module", SoftHsm::modulePath().string(), "--token-label", "Titular RSA",
                         "--pin-env", "SANDBOX_TEST_PIN", "--days", "400", "--years", "3"},
                        env);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto der = tmp / "rsa.der";
    ASSERT_EQ(hsm.pkcs11Tool(token, {"--read-object", "--type", "cert", "--id", "01",
                                     "--output-file", der.string()})
                  .exit_code,
              0);
    auto text =
        runProcess({"openssl", "x509", "-inform", "DER", "-in", der.string(), "-noout", "-text"});
    EXPECT_NE(text.out.find("Public-Key: (2048 bit)"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("Non Repudiation"), std::string::npos);
    // The token's public key object is the certificate's key.
    auto pub = hsm.pkcs11Tool(token, {"--read-object", "--type", "pubkey", "--id", "01",
                                      "--output-file", (tmp / "pub.der").string()});
    ASSERT_EQ(pub.exit_code, 0) << pub.err;
    auto from_cert =
        runProcess({"openssl", "x509", "-inform", "DER", "-in", der.string(), "-noout", "-pubkey"});
    auto from_token = runProcess(
        {"openssl", "pkey", "-pubin", "-inform", "DER", "-in", (tmp / "pub.der").string()});
    EXPECT_EQ(from_cert.out, from_token.out);
}

}  // namespace
}  // namespace certagent::testing
