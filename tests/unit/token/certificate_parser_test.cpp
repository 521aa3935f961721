#include "certagent/core/clock.hpp"
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
    EXPECT_EQ(toIso8601(system_clock::from_time_t(0)), "1970-01-01T00:00:00Z");
    EXPECT_EQ(parseKeyType("ec-p384"), KeyType::EcP384);
    EXPECT_FALSE(parseKeyType("dsa"));
}

namespace {

// A self-signed EC certificate made in memory, with the given notAfter (ASN1 time string).
Bytes selfSigned(const char* not_after) {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
    X509_gmtime_adj(X509_getm_notBefore(x), -60);
    EXPECT_EQ(ASN1_TIME_set_string(X509_getm_notAfter(x), not_after), 1);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>("Forever"), -1, -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(x));
    X509_set_pubkey(x, key);
    X509_sign(x, key, EVP_sha256());
    Bytes out(static_cast<std::size_t>(i2d_X509(x, nullptr)));
    unsigned char* p = out.data();
    i2d_X509(x, &p);
    X509_free(x);
    EVP_PKEY_free(key);
    return out;
}

// DER length octets, minimal (or with `pad` extra leading zero bytes: not DER).
Bytes lengthOctets(std::size_t n, int pad = 0) {
    if (n < 128 && pad == 0) return {static_cast<std::uint8_t>(n)};
    Bytes v;
    for (std::size_t m = n; m; m >>= 8) v.insert(v.begin(), static_cast<std::uint8_t>(m & 0xff));
    v.insert(v.begin(), static_cast<std::size_t>(pad), 0);
    v.insert(v.begin(), static_cast<std::uint8_t>(0x80 | v.size()));
    return v;
}

// Splits a TLV at `p` into (tag, content); returns the position after it.
std::size_t readTlv(const Bytes& der, std::size_t p, std::uint8_t& tag, Bytes& content) {
    tag = der[p++];
    std::size_t len = der[p++];
    if (len & 0x80) {
        std::size_t n = len & 0x7f;
        len = 0;
        while (n--) len = (len << 8) | der[p++];
    }
    content.assign(der.begin() + static_cast<long>(p), der.begin() + static_cast<long>(p + len));
    return p + len;
}

Bytes tlv(std::uint8_t tag, const Bytes& content, int pad = 0) {
    Bytes out{tag};
    auto l = lengthOctets(content.size(), pad);
    out.insert(out.end(), l.begin(), l.end());
    out.insert(out.end(), content.begin(), content.end());
    return out;
}

// The same certificate with the serial number's length written in long form (0x81 0x01
// instead of 0x01), every enclosing length re-encoded minimally: valid BER, not DER.
Bytes withNonMinimalSerialLength(const Bytes& der) {
    std::uint8_t tag;
    Bytes cert, tbs;
    readTlv(der, 0, tag, cert);
    std::size_t after_tbs = readTlv(cert, 0, tag, tbs);
    Bytes rest(cert.begin() + static_cast<long>(after_tbs), cert.end());
    // tbs: [0] version, then the serial INTEGER.
    Bytes version, serial;
    std::size_t p = readTlv(tbs, 0, tag, version);
    const std::uint8_t version_tag = tag;
    std::size_t q = readTlv(tbs, p, tag, serial);
    Bytes new_tbs = tlv(version_tag, version);
    auto s = tlv(0x02, serial, 1);
    new_tbs.insert(new_tbs.end(), s.begin(), s.end());
    new_tbs.insert(new_tbs.end(), tbs.begin() + static_cast<long>(q), tbs.end());
    Bytes new_cert = tlv(0x30, new_tbs);
    new_cert.insert(new_cert.end(), rest.begin(), rest.end());
    return tlv(0x30, new_cert);
}

}  // namespace

// RFC 5280 4.1.2.5: 99991231235959Z means "no well-defined expiration date". It used to
// overflow system_clock and show as expired in 1816.
TEST(CertificateParser, NotAfter9999MeansNoExpiryNeverExpired) {
    auto info = parseCertificate(selfSigned("99991231235959Z"));
    EXPECT_TRUE(info.noExpiry);
    const auto now = system_clock::now();
    EXPECT_GT(info.notAfter, now + hours(24 * 365 * 200));
    EXPECT_EQ(info.status(now, 30), CertStatus::Valid);
    EXPECT_EQ(info.status(now + hours(24 * 365 * 100), 30), CertStatus::Valid);
    EXPECT_GT(info.daysLeft(now), 365 * 200);
    EXPECT_EQ(info.notAfterText(), "9999-12-31T23:59:59Z");
}

TEST(CertificateParser, FarFutureDatesSaturateInsteadOfWrappingAround) {
    auto info = parseCertificate(selfSigned("25000101000000Z"));
    EXPECT_FALSE(info.noExpiry);
    const auto now = system_clock::now();
    EXPECT_GT(info.notAfter, now + hours(24 * 365 * 200));
    EXPECT_EQ(info.status(now, 30), CertStatus::Valid);
    auto normal = parseCertificate(selfSigned("20991231235959Z"));
    EXPECT_FALSE(normal.noExpiry);
    EXPECT_EQ(normal.notAfterText(), "2099-12-31T23:59:59Z");
}

TEST(CertificateParser, NonMinimalLengthsAreRefused) {
    const Bytes good = selfSigned("20991231235959Z");
    EXPECT_NO_THROW(parseCertificate(good));
    const Bytes inner = withNonMinimalSerialLength(good);
    ASSERT_GT(inner.size(), good.size());
    EXPECT_THROW(parseCertificate(inner), Error);
    // The outer SEQUENCE's length with a leading zero byte.
    std::uint8_t tag;
    Bytes content;
    readTlv(good, 0, tag, content);
    EXPECT_THROW(parseCertificate(tlv(0x30, content, 1)), Error);
    // Indefinite length (BER) is not DER either.
    Bytes indefinite{0x30, 0x80};
    indefinite.insert(indefinite.end(), content.begin(), content.end());
    indefinite.insert(indefinite.end(), {0x00, 0x00});
    EXPECT_THROW(parseCertificate(indefinite), Error);
}
