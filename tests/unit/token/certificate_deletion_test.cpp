#include "certagent/core/error.hpp"
#include "certagent/core/token/certificate_deletion.hpp"

#include <gtest/gtest.h>

using namespace certagent;
using namespace certagent::token;
using namespace std::chrono_literals;

namespace {

const auto kNow = std::chrono::system_clock::from_time_t(1800000000);

TokenCertificate cert(std::uint8_t id, std::chrono::hours left,
                      KeyPresence key = KeyPresence::Present) {
    TokenCertificate c;
    c.tokenSerial = "S";
    c.id = {id};
    c.privateKey = key;
    c.hasPrivateKey = key == KeyPresence::Present;
    CertificateInfo i;
    i.notBefore = kNow - 24h * 300;
    i.notAfter = kNow + left;
    c.info = i;
    return c;
}

}  // namespace

TEST(CertificateDeletion, TheLastValidCertificateWithItsKeyNeedsForce) {
    std::vector<TokenCertificate> certs = {cert(1, 24h * 100), cert(2, -24h)};
    EXPECT_TRUE(checkDeletion(certs, {1}, kNow).onlyValid);
    EXPECT_FALSE(checkDeletion(certs, {2}, kNow).onlyValid);  // expired: nothing lost
}

TEST(CertificateDeletion, AnotherValidCertificateOrAKeylessOneChangesTheAnswer) {
    std::vector<TokenCertificate> two = {cert(1, 24h * 10), cert(2, 24h * 700)};
    EXPECT_FALSE(checkDeletion(two, {1}, kNow).onlyValid);  // the renewed one remains
    std::vector<TokenCertificate> caOnly = {cert(1, 24h * 10), cert(3, 24h * 900, KeyPresence::Absent)};
    EXPECT_TRUE(checkDeletion(caOnly, {1}, kNow).onlyValid);  // a CA certificate cannot sign
    EXPECT_FALSE(checkDeletion(caOnly, {3}, kNow).onlyValid);
    std::vector<TokenCertificate> unknown = {cert(1, 24h * 10, KeyPresence::UnknownUntilLogin)};
    EXPECT_TRUE(checkDeletion(unknown, {1}, kNow).onlyValid);
}

TEST(CertificateDeletion, AnUnknownIdIsInvalidInput) {
    std::vector<TokenCertificate> certs = {cert(1, 24h)};
    try {
        checkDeletion(certs, {9}, kNow);
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::InvalidInput);
    }
}
