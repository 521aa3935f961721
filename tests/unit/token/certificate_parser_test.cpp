#include "certagent/core/error.hpp"
#include "certagent/core/token/certificate_parser.hpp"
#include "softhsm.hpp"

#include <gtest/gtest.h>
#include <openssl/pem.h>

using namespace certagent;
using namespace certagent::token;
using namespace std::chrono;

namespace {

// The SoftHsm fixture's certificate maker, without a token: PEM → DER.
Bytes derFromPem(const std::string& pem) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    int len = i2d_X509(x, nullptr);
    Bytes out(static_cast<std::size_t>(len));
    unsigned char* p = out.data();
    i2d_X509(x, &p);
    X509_free(x);
    return out;
}

}  // namespace

TEST(CertificateParser, ReadsNamesSerialValidityAndKeyUsage) {
    certagent::testing::SoftHsm hsm;
    auto& t = hsm.createToken("parse");
    auto cert = hsm.addCertificate(t, {.commonName = "Ana Pop", .notAfterDays = 100});
    auto info = parseCertificate(cert.der);
    EXPECT_EQ(info.commonName, "Ana Pop");
    EXPECT_EQ(info.subject, "CN=Ana Pop,O=certagent tests,C=RO");
    EXPECT_EQ(info.issuer, "CN=certagent Test Qualified CA,O=certagent tests,C=RO");
    EXPECT_EQ(info.serialHex, cert.serialHex);
    EXPECT_EQ(info.keyAlgorithm, "EC");
    EXPECT_EQ(info.keyBits, 256);
    EXPECT_EQ(info.keyUsage, (std::vector<std::string>{"digitalSignature", "nonRepudiation"}));
    auto now = system_clock::now();
    EXPECT_EQ(info.daysLeft(now), 100);  // local calendar days: the date 100 days from today
    EXPECT_EQ(info.status(now, 30), CertStatus::Valid);
    EXPECT_EQ(info.status(now, 120), CertStatus::Expiring);
    EXPECT_EQ(info.status(now + hours(24 * 101), 30), CertStatus::Expired);
    EXPECT_FALSE(info.qualified);
}

TEST(CertificateParser, QcStatementsAndQscdPolicyMakeACertificateQualified) {
    certagent::testing::SoftHsm hsm;
    auto& t = hsm.createToken("qual");
    auto q = parseCertificate(hsm.addCertificate(t, {.commonName = "Q", .qualified = true}).der);
    EXPECT_TRUE(q.qcCompliance);
    EXPECT_TRUE(q.qcSscd);
    EXPECT_TRUE(q.qualified);
    EXPECT_EQ(q.policies, std::vector<std::string>{"0.4.0.194112.1.2"});
    auto n = parseCertificate(hsm.addCertificate(t, {.commonName = "N"}).der);
    EXPECT_FALSE(n.qcCompliance);
    EXPECT_FALSE(n.qualified);
}

TEST(CertificateParser, EuQualifiedPolicyOidsAreRecognised) {
    EXPECT_TRUE(isEuQualifiedPolicy("0.4.0.194112.1.2"));
    EXPECT_TRUE(isEuQualifiedPolicy("0.4.0.194112.1.0"));
    EXPECT_FALSE(isEuQualifiedPolicy("0.4.0.194112.1.9"));
    EXPECT_FALSE(isEuQualifiedPolicy("1.3.6.1.4.1.55555.1.1"));
}

TEST(CertificateParser, GarbageIsAnInvalidInputError) {
    Bytes garbage = {0x04, 0x03, 0x01, 0x02, 0x03};
    try {
        parseCertificate(garbage);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::InvalidInput);
    }
    certagent::testing::SoftHsm hsm;
    auto der = derFromPem(hsm.caCertPem());
    der.push_back(0);  // trailing bytes are not accepted either
    EXPECT_THROW(parseCertificate(der), Error);
}

TEST(TokenTypes, HexAndIsoFormatting) {
    EXPECT_EQ(toHex({0x00, 0xab, 0x10}), "00ab10");
    EXPECT_EQ(fromHex("00AB10"), (Bytes{0x00, 0xab, 0x10}));
    EXPECT_THROW(fromHex("abc"), Error);
    EXPECT_THROW(fromHex("zz"), Error);
    EXPECT_EQ(isoUtc(system_clock::from_time_t(0)), "1970-01-01T00:00:00Z");
    EXPECT_EQ(parseKeyType("ec-p384"), KeyType::EcP384);
    EXPECT_FALSE(parseKeyType("dsa"));
}
