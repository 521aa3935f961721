#include "token_test_util.hpp"

#include <iostream>
#include <openssl/evp.h>
#include <openssl/pem.h>

using namespace certagent;
using namespace certagent::token;
using namespace certagent::token::testing;
using certagent::testing::SoftHsm;
using certagent::testing::TestKeyType;

TEST(TokenLogin, WrongPinIsOneLoginAndSaysTriesLeftAreUnknown) {
    SoftHsm hsm;
    auto& t = hsm.createToken("Pin");
    hsm.activate();
    TokenService service(softHsmModules());
    auto session = service.open(t.serial);
    int calls = 0;
    PinRequest seen;
    auto e = expectError([&] {
        session->login([&](const PinRequest& r) -> std::optional<SecretString> {
            ++calls;
            seen = r;
            return SecretString("000000");
        });
    });
    EXPECT_EQ(calls, 1);  // one user entry, one C_Login, no silent retry
    EXPECT_EQ(seen.token.serial, t.serial);
    EXPECT_EQ(seen.state, PinState::Ok);
    EXPECT_FALSE(seen.triesLeft);
    EXPECT_EQ(e.kind(), ErrorKind::PinIncorrect);
    EXPECT_FALSE(e.retryable());
    // SoftHSM keeps no counter: it only raises CKF_USER_PIN_COUNT_LOW after a wrong PIN.
    EXPECT_NE(std::string(e.what()).find("does not say how many"), std::string::npos) << e.what();
    EXPECT_EQ(session->refresh().userPin.state(), PinState::CountLow);
    EXPECT_FALSE(session->loggedIn());

    session->login(fixedPin(t.pin, &calls));
    EXPECT_EQ(calls, 2);
    EXPECT_TRUE(session->loggedIn());
    session->login(fixedPin(t.pin, &calls));  // already logged in: not asked again
    EXPECT_EQ(calls, 2);
}

TEST(TokenLogin, CancelledPinEntryIsCancelled) {
    SoftHsm hsm;
    auto& t = hsm.createToken("Cancel");
    hsm.activate();
    TokenService service(softHsmModules());
    auto session = service.open(t.serial);
    auto e = expectError(
        [&] { session->login([](const PinRequest&) { return std::optional<SecretString>(); }); });
    EXPECT_EQ(e.kind(), ErrorKind::Cancelled);
}

TEST(TokenLogin, AfterLoginPrivateKeysAreSeenAndLibp11KeySigns) {
    SoftHsm hsm;
    auto& t = hsm.createToken("Sign");
    auto ec = hsm.addCertificate(t, {.commonName = "EC signer"});
    auto rsa = hsm.addCertificate(t, {.commonName = "RSA signer", .keyType = TestKeyType::Rsa2048});
    hsm.activate();
    TokenService service(softHsmModules());
    auto session = service.open(t.serial);
    session->login(fixedPin(t.pin));
    auto certs = session->certificates();
    EXPECT_TRUE(findById(certs, ec.idHex)->hasPrivateKey);

    for (const auto* c : {&ec, &rsa}) {
        EVP_PKEY* key = session->privateKey(fromHex(c->idHex));
        ASSERT_NE(key, nullptr);
        const std::string data = "document to sign";
        EVP_MD_CTX* md = EVP_MD_CTX_new();
        ASSERT_EQ(EVP_DigestSignInit(md, nullptr, EVP_sha256(), nullptr, key), 1);
        size_t len = 0;
        ASSERT_EQ(EVP_DigestSign(md, nullptr, &len, (const unsigned char*)data.data(), data.size()), 1);
        std::vector<unsigned char> sig(len);
        ASSERT_EQ(EVP_DigestSign(md, sig.data(), &len, (const unsigned char*)data.data(), data.size()), 1)
            << c->label;
        sig.resize(len);
        EVP_MD_CTX_free(md);

        const unsigned char* p = c->der.data();
        X509* x = d2i_X509(nullptr, &p, static_cast<long>(c->der.size()));
        EVP_MD_CTX* v = EVP_MD_CTX_new();
        ASSERT_EQ(EVP_DigestVerifyInit(v, nullptr, EVP_sha256(), nullptr, X509_get0_pubkey(x)), 1);
        EXPECT_EQ(EVP_DigestVerify(v, sig.data(), sig.size(), (const unsigned char*)data.data(),
                                   data.size()),
                  1)
            << c->label;
        EVP_MD_CTX_free(v);
        X509_free(x);
    }
}

TEST(TokenLogin, TokenVanishingMidSessionGivesAnErrorNotACrash) {
    SoftHsm hsm;
    auto& t = hsm.createToken("Pulled");
    hsm.addCertificate(t, {.commonName = "Gone soon"});
    hsm.activate();
    TokenService service(softHsmModules());
    auto session = service.open(t.serial);
    session->login(fixedPin(t.pin));
    hsm.removeToken(t);
    auto e = expectError([&] {
        session->generateKeyPair(KeyType::EcP256, "after removal");
        session->certificates();
    });
    // SoftHSM reports its vanished object store as a general error, not as removal; a real
    // token answers CKR_DEVICE_REMOVED / CKR_TOKEN_NOT_PRESENT, which map to TokenRemoved
    // (unit-tested through throwCkr). What matters here: an error, no crash, no hang.
    EXPECT_TRUE(e.kind() == ErrorKind::TokenRemoved || e.kind() == ErrorKind::Token) << e.what();
    std::cerr << "after removal: " << errorKindName(e.kind()) << ": " << e.what() << "\n";
}
