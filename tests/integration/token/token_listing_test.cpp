#include "token_test_util.hpp"

#include <chrono>
#include <filesystem>

using namespace certagent;
using namespace certagent::token;
using namespace certagent::token::testing;
using certagent::testing::SoftHsm;
using certagent::testing::TestCert;
using certagent::testing::TestKeyType;

TEST(TokenListing, ListsEveryTokenWithItsInfoAndPinState) {
    SoftHsm hsm;
    auto& a = hsm.createToken("Alice");
    auto& b = hsm.createToken("Bob");
    hsm.activate();
    TokenService service(softHsmModules());
    ASSERT_EQ(service.modules().size(), 1u);
    EXPECT_TRUE(service.modules()[0].loaded);
    auto tokens = service.tokens();
    ASSERT_EQ(tokens.size(), 2u);
    for (const auto* expected : {&a, &b}) {
        auto it = std::find_if(tokens.begin(), tokens.end(),
                               [&](const TokenInfo& t) { return t.serial == expected->serial; });
        ASSERT_NE(it, tokens.end()) << expected->label;
        EXPECT_EQ(it->label, expected->label);
        EXPECT_EQ(it->slotId, expected->slot);
        EXPECT_EQ(it->manufacturer, "SoftHSM project");
        EXPECT_EQ(it->model, "SoftHSM v2");
        EXPECT_EQ(it->plugin, "generic-pkcs11");
        EXPECT_EQ(it->module, std::filesystem::canonical(SoftHsm::modulePath()));
        EXPECT_EQ(it->userPin.state(), PinState::Ok);
        EXPECT_TRUE(it->loginRequired);
    }
}

TEST(TokenListing, SameLibraryReachedTwiceIsLoadedOnceAndBrokenModulesAreSkipped) {
    SoftHsm hsm;
    hsm.createToken("Once");
    hsm.activate();
    certagent::testing::writeFile(hsm.dir() / "not-a-library.so", "hello");
    TokenService service({
        {hsm.dir() / "missing.so", "mtoken-cryptoid", ModuleSource::Plugin},
        {hsm.dir() / "not-a-library.so", {}, ModuleSource::Config},
        {SoftHsm::modulePath(), {}, ModuleSource::Config},
        {std::filesystem::canonical(SoftHsm::modulePath()), {}, ModuleSource::P11Kit},
    });
    const auto& st = service.modules();
    ASSERT_EQ(st.size(), 3u);  // the second path to SoftHSM is the same real file: skipped
    EXPECT_FALSE(st[0].loaded);
    EXPECT_FALSE(st[0].error.empty());
    EXPECT_FALSE(st[1].loaded);
    EXPECT_FALSE(st[1].error.empty());
    EXPECT_TRUE(st[2].loaded);
    EXPECT_EQ(service.tokens().size(), 1u);
}

TEST(TokenListing, ClaimerDecidesThePlugin) {
    SoftHsm hsm;
    hsm.createToken("Claimed");
    hsm.activate();
    TokenServiceOptions options;
    options.claimer = [](const TokenInfo& t, const ModuleSpec&) {
        return t.model == "SoftHSM v2" ? std::string("softhsm-test") : std::string();
    };
    TokenService service(softHsmModules(), options);
    ASSERT_EQ(service.tokens().size(), 1u);
    EXPECT_EQ(service.tokens()[0].plugin, "softhsm-test");
}

TEST(TokenListing, ClassifiesValidExpiringExpiredQualifiedAndKeyPresence) {
    SoftHsm hsm;
    auto& t = hsm.createToken("Mixed");
    auto valid = hsm.addCertificate(t, {.commonName = "Valid", .notAfterDays = 200});
    auto expiring = hsm.addCertificate(
        t, {.commonName = "Expiring", .keyType = TestKeyType::Rsa2048, .notAfterDays = 10});
    auto expired = hsm.addCertificate(
        t, {.commonName = "Expired", .notBeforeDays = -400, .notAfterDays = -5});
    auto qualified = hsm.addCertificate(t, {.commonName = "Qualified", .qualified = true});
    auto keyless = hsm.addCertificate(t, {.commonName = "NoKey", .withKey = false});
    auto& other = hsm.createToken("Other");
    hsm.addCertificate(other, {.commonName = "Elsewhere"});
    hsm.activate();

    TokenService service(softHsmModules());
    auto certs = service.certificates(t.serial);
    ASSERT_EQ(certs.size(), 5u);
    auto now = std::chrono::system_clock::now();
    auto statusOf = [&](const TestCert& c) {
        auto* tc = findById(certs, c.idHex);
        EXPECT_NE(tc, nullptr);
        EXPECT_TRUE(tc->info.has_value()) << tc->error;
        return tc->info->status(now, service.options().expiringWithinDays);
    };
    EXPECT_EQ(statusOf(valid), CertStatus::Valid);
    EXPECT_EQ(statusOf(expiring), CertStatus::Expiring);
    EXPECT_EQ(statusOf(expired), CertStatus::Expired);
    EXPECT_TRUE(findById(certs, qualified.idHex)->info->qualified);
    EXPECT_FALSE(findById(certs, valid.idHex)->info->qualified);
    EXPECT_EQ(findById(certs, expiring.idHex)->info->keyAlgorithm, "RSA");
    EXPECT_EQ(findById(certs, valid.idHex)->label, "Valid");
    EXPECT_EQ(findById(certs, valid.idHex)->tokenSerial, t.serial);
    EXPECT_EQ(findById(certs, valid.idHex)->info->serialHex, valid.serialHex);
    EXPECT_TRUE(findById(certs, valid.idHex)->hasPrivateKey);
    EXPECT_FALSE(findById(certs, keyless.idHex)->hasPrivateKey);

    EXPECT_EQ(service.certificates().size(), 6u);  // both tokens
}

TEST(TokenListing, FiftyCertificatesAreAllListed) {
    SoftHsm hsm;
    auto& t = hsm.createToken("Fifty");
    auto made = hsm.addCertificates(t, 50);
    hsm.activate();
    TokenService service(softHsmModules());
    auto certs = service.certificates(t.serial);
    ASSERT_EQ(certs.size(), 50u);
    for (const auto& m : made) {
        auto* c = findById(certs, m.idHex);
        ASSERT_NE(c, nullptr) << m.label;
        ASSERT_TRUE(c->info) << c->error;
        EXPECT_EQ(c->info->der, m.der);
    }
}

TEST(TokenListing, GarbageCertificateObjectIsReportedAloneAndTheRestAreListed) {
    SoftHsm hsm;
    auto& t = hsm.createToken("Garbage");
    auto good1 = hsm.addCertificate(t, {.commonName = "Good 1"});
    auto bad = hsm.addGarbageCertificate(t, "ee", "broken");
    auto good2 = hsm.addCertificate(t, {.commonName = "Good 2"});
    hsm.activate();
    TokenService service(softHsmModules());
    auto certs = service.certificates();
    ASSERT_EQ(certs.size(), 3u);
    auto* b = findById(certs, "ee");
    ASSERT_NE(b, nullptr);
    EXPECT_FALSE(b->info);
    EXPECT_FALSE(b->error.empty());
    EXPECT_EQ(b->label, "broken");
    EXPECT_TRUE(findById(certs, good1.idHex)->info);
    EXPECT_TRUE(findById(certs, good2.idHex)->info);
}

TEST(TokenListing, OpeningAnAbsentTokenIsRetryable) {
    SoftHsm hsm;
    hsm.createToken("Present");
    hsm.activate();
    TokenService service(softHsmModules());
    auto e = expectError([&] { service.open("0000000000000000"); });
    EXPECT_EQ(e.kind(), ErrorKind::TokenRemoved);
    EXPECT_TRUE(e.retryable());
}
