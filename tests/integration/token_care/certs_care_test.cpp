// certagent-cli certs: details and chain in --json, export accepted by `openssl x509`,
// deletion checked with pkcs11-tool.
#include "care_fixture.hpp"

using certagent::testing::CareFixture;
using certagent::testing::runProcess;
using certagent::testing::TestCertSpec;

namespace {

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// The test CA's certificate written to the token as a CA certificate (no key), id "ca".
void putCaOnToken(CareFixture& f) {
    auto der = f.dir / "ca.der";
    auto r = runProcess({"openssl", "x509", "-in", f.hsm.caCertFile().string(), "-outform", "der",
                         "-out", der.string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = f.pkcs11({"--write-object", der.string(), "--type", "cert", "--id", "ca", "--label",
                  "Test CA"},
                 f.token->pin);
    ASSERT_EQ(r.exit_code, 0) << r.err;
}

const nlohmann::json* byId(const nlohmann::json& list, const std::string& id) {
    for (const auto& c : list)
        if (c.value("id", "") == id) return &c;
    return nullptr;
}

}  // namespace

TEST(CertDetails, JsonHasNamesKeyUsagesPoliciesQcStatementsFingerprintsAndTheChain) {
    CareFixture f;
    TestCertSpec spec;
    spec.commonName = "Ion Popescu";
    spec.idHex = "a1";
    spec.qualified = true;
    auto cert = f.hsm.addCertificate(*f.token, spec);
    putCaOnToken(f);
    auto list = f.cliJson({"certs"});
    const auto* c = byId(list, "a1");
    ASSERT_NE(c, nullptr) << list.dump(2);
    EXPECT_EQ(c->at("key")["type"], "EC");
    EXPECT_EQ(c->at("key")["bits"], 256);
    EXPECT_EQ(c->at("key")["curve"], "prime256v1");
    bool cn = false;
    for (const auto& field : c->at("subject_fields"))
        cn |= field["type"] == "CN" && field["value"] == "Ion Popescu";
    EXPECT_TRUE(cn) << c->at("subject_fields").dump();
    EXPECT_TRUE(c->at("qc_statements")["qc_compliance"].get<bool>());
    EXPECT_TRUE(c->at("qc_statements")["qc_sscd"].get<bool>());
    EXPECT_EQ(c->at("policies")[0]["name"], "QCP-n-qscd");
    EXPECT_FALSE(c->at("key_usage").empty());

    // Fingerprints as OpenSSL computes them.
    auto pem = f.dir / "a1.pem";
    certagent::testing::writeFile(pem, cert.certPem);
    auto fp = runProcess({"openssl", "x509", "-in", pem.string(), "-noout", "-fingerprint",
                          "-sha256"});
    EXPECT_TRUE(has(fp.out, c->at("fingerprints")["sha256"].get<std::string>())) << fp.out;

    // The chain goes through the CA certificate found on the token.
    ASSERT_EQ(c->at("chain").size(), 2u) << c->at("chain").dump(2);
    EXPECT_EQ(c->at("chain")[1]["source"], "token");
    EXPECT_TRUE(c->at("chain")[1]["self_signed"].get<bool>());
    EXPECT_FALSE(c->at("chain_trusted").get<bool>());  // the test CA is not a system anchor
    EXPECT_FALSE(c->at("chain_problem").get<std::string>().empty());

    auto details = f.cli({"certs", "--details", "a1"});
    ASSERT_EQ(details.exit_code, 0) << details.err;
    EXPECT_TRUE(has(details.out, "Key in a qualified device (QSCD): yes")) << details.out;
    EXPECT_TRUE(has(details.out, "SHA-256:")) << details.out;
}

TEST(CertExport, DerAndPemAreAcceptedByOpensslX509) {
    CareFixture f;
    auto cert = f.hsm.addCertificate(*f.token, {.commonName = "Export Me", .idHex = "b2"});
    for (const char* format : {"der", "pem"}) {
        auto out = f.dir / (std::string("cert.") + format);
        auto r = f.cli({"certs", "--export", "b2", "--format", format, "-o", out.string()});
        ASSERT_EQ(r.exit_code, 0) << r.err;
        auto x = runProcess({"openssl", "x509", "-inform", format, "-in", out.string(), "-noout",
                             "-subject", "-serial"});
        ASSERT_EQ(x.exit_code, 0) << x.err;
        EXPECT_TRUE(has(x.out, "CN = Export Me")) << x.out;
    }
    auto der = certagent::testing::readFile(f.dir / "cert.der");
    EXPECT_EQ(std::vector<std::uint8_t>(der.begin(), der.end()), cert.der);
    auto r = f.cli({"certs", "--export", "b2", "--format", "txt", "-o", "x"});
    EXPECT_EQ(r.exit_code, 2);
    r = f.cli({"certs", "--export", "ff", "-o", (f.dir / "none.pem").string()});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(has(r.err, "There is no certificate with id ff")) << r.err;
    EXPECT_FALSE(std::filesystem::exists(f.dir / "none.pem"));
}

TEST(CertDelete, DeletingTheOldCertificateLeavesTheNewOneAndItsKey) {
    CareFixture f;
    f.hsm.addCertificate(*f.token, {.commonName = "Old", .idHex = "01", .notAfterDays = 20});
    f.hsm.addCertificate(*f.token, {.commonName = "New", .idHex = "02", .notAfterDays = 700});
    auto r = f.cli({"certs", "--delete", "01", "--yes", "--pin-env", "PIN"}, {"PIN=123456"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(has(r.out, "Deleted certificate 01")) << r.out;
    auto objects = f.pkcs11({"--list-objects"}, f.token->pin);
    ASSERT_EQ(objects.exit_code, 0) << objects.err;
    EXPECT_FALSE(has(objects.out, "label:      Old")) << objects.out;
    EXPECT_FALSE(has(objects.out, "ID:         01")) << objects.out;
    EXPECT_TRUE(has(objects.out, "Certificate Object")) << objects.out;
    EXPECT_TRUE(has(objects.out, "Private Key Object")) << objects.out;
    EXPECT_TRUE(has(objects.out, "ID:         02")) << objects.out;
    // The remaining key still signs with the new certificate's key pair.
    auto sig = f.pkcs11({"--sign", "--id", "02", "--mechanism", "ECDSA", "--input-file",
                         f.config.string(), "--output-file", (f.dir / "sig").string()},
                        f.token->pin);
    EXPECT_EQ(sig.exit_code, 0) << sig.err;
}

TEST(CertDelete, TheOnlyValidCertificateNeedsForceAndAConfirmation) {
    CareFixture f;
    f.hsm.addCertificate(*f.token, {.commonName = "Only", .idHex = "0a"});
    f.hsm.addCertificate(*f.token, {.commonName = "Expired", .idHex = "0b", .notBeforeDays = -800,
                                    .notAfterDays = -10});
    auto r = f.cli({"certs", "--delete", "0a", "--yes", "--pin-env", "PIN"}, {"PIN=123456"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(has(r.err, "is the only valid certificate with its key on token")) << r.err;
    // Without a terminal and without --yes nothing is deleted either.
    r = f.cli({"certs", "--delete", "0b", "--pin-env", "PIN"}, {"PIN=123456"});
    EXPECT_EQ(r.exit_code, 2);
    auto ids = f.cliJson({"certs"});
    EXPECT_EQ(ids.size(), 2u);
    // An expired one goes without --force; the last valid one with it.
    r = f.cli({"certs", "--delete", "0b", "--yes", "--pin-env", "PIN"}, {"PIN=123456"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    r = f.cli({"certs", "--delete", "0a", "--yes", "--force", "--pin-env", "PIN"}, {"PIN=123456"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto objects = f.pkcs11({"--list-objects"}, f.token->pin);
    EXPECT_FALSE(has(objects.out, "Private Key Object")) << objects.out;
    EXPECT_FALSE(has(objects.out, "Certificate Object")) << objects.out;
}

TEST(CertDelete, WrongPinDeletesNothing) {
    CareFixture f;
    f.hsm.addCertificate(*f.token, {.commonName = "Old", .idHex = "01", .notAfterDays = 20});
    f.hsm.addCertificate(*f.token, {.commonName = "New", .idHex = "02"});
    auto r = f.cli({"certs", "--delete", "01", "--yes", "--pin-env", "PIN"}, {"PIN=000000"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(f.cliJson({"certs"}).size(), 2u);
}
