#include "token_test_util.hpp"

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "certagent/core/signing/token_signer.hpp"

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

// A key pair imported from a PKCS#12 file often has no public-key object: before login nothing
// shows whether the (private) key is there, so it is reported unknown, and signing looks for
// the private key after login instead of refusing up front.
TEST(TokenLogin, KeyWithoutPublicObjectIsUnknownBeforeLoginAndSignsAfter) {
    SoftHsm hsm;
    auto& t = hsm.createToken("P12");
    auto imported = hsm.addCertificate(t, {.commonName = "Imported"});
    auto keyless = hsm.addCertificate(t, {.commonName = "CA copy", .withKey = false});
    auto r = hsm.pkcs11Tool(t, {"--delete-object", "--type", "pubkey", "--id", imported.idHex},
                            /*login=*/true);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    hsm.activate();
    TokenService service(softHsmModules());
    auto before = service.certificates(t.serial);
    EXPECT_EQ(findById(before, imported.idHex)->privateKey, KeyPresence::UnknownUntilLogin);
    EXPECT_EQ(findById(before, keyless.idHex)->privateKey, KeyPresence::UnknownUntilLogin);

    int calls = 0;
    signing::TokenSigner signer(service, t.serial, fromHex(imported.idHex), fixedPin(t.pin, &calls));
    EXPECT_EQ(calls, 1);
    const std::vector<uint8_t> digest(32, 0x5a);
    EXPECT_FALSE(signer.signDigest(NID_sha256, digest).empty());

    auto e = expectError([&] {
        signing::TokenSigner none(service, t.serial, fromHex(keyless.idHex), fixedPin(t.pin));
    });
    EXPECT_EQ(e.kind(), ErrorKind::InvalidInput);
    EXPECT_NE(std::string(e.what()).find("has no private key"), std::string::npos) << e.what();

    auto session = service.open(t.serial);
    session->login(fixedPin(t.pin));
    auto after = session->certificates();
    EXPECT_EQ(findById(after, imported.idHex)->privateKey, KeyPresence::Present);
    EXPECT_EQ(findById(after, keyless.idHex)->privateKey, KeyPresence::Absent);
}

// The CLI shows both states honestly: has_private_key null / "unknown until login" for a key
// pair without a public-key object, and a 99991231235959Z certificate as "no expiry" (it used to
// be listed as expired in 1816).
TEST(TokenLogin, CliListsUnknownKeysAndCertificatesWithoutExpiry) {
    SoftHsm hsm;
    auto& t = hsm.createToken("Cli");
    auto imported = hsm.addCertificate(t, {.commonName = "Imported"});
    ASSERT_EQ(hsm.pkcs11Tool(t, {"--delete-object", "--type", "pubkey", "--id", imported.idHex},
                             true).exit_code, 0);
    certagent::testing::TempDir home{"certagent-cli-certs"};
    {
        EVP_PKEY* key = EVP_EC_gen("P-256");
        X509* x = X509_new();
        X509_set_version(x, 2);
        X509_gmtime_adj(X509_getm_notBefore(x), -60);
        ASN1_TIME_set_string(X509_getm_notAfter(x), "99991231235959Z");
        X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>("Forever"), -1, -1, 0);
        X509_set_issuer_name(x, X509_get_subject_name(x));
        X509_set_pubkey(x, key);
        X509_sign(x, key, EVP_sha256());
        FILE* f = std::fopen((home / "forever.der").c_str(), "wb");
        i2d_X509_fp(f, x);
        std::fclose(f);
        X509_free(x);
        EVP_PKEY_free(key);
    }
    ASSERT_EQ(hsm.pkcs11Tool(t, {"--write-object", (home / "forever.der").string(), "--type",
                                 "cert", "--id", "f0", "--label", "Forever"},
                             true).exit_code, 0);
    certagent::testing::writeFile(home / "agent.toml",
                                  "[pkcs11]\nextra_modules = [\"" + SoftHsm::modulePath().string() +
                                      "\"]\nuse_p11_kit = false\n");
    auto cli = [&](std::vector<std::string> args) {
        args.insert(args.begin(), {(certagent::testing::binaryDir() / "bin/certagent-cli").string(),
                                   "--config", (home / "agent.toml").string(), "--state-dir",
                                   (home / "state").string()});
        auto env = hsm.env();
        env.push_back("LANG=C.UTF-8");
        env.push_back("LANGUAGE=");
        return certagent::testing::runProcess(args, env);
    };
    auto j = cli({"--json", "certs"});
    ASSERT_EQ(j.exit_code, 0) << j.err;
    auto list = nlohmann::json::parse(j.out);
    bool saw_imported = false, saw_forever = false;
    for (const auto& c : list) {
        if (c["id"] == imported.idHex) {
            saw_imported = true;
            EXPECT_TRUE(c["has_private_key"].is_null()) << c.dump();
        }
        if (c["id"] == "f0") {
            saw_forever = true;
            EXPECT_EQ(c["status"], "valid") << c.dump();
            EXPECT_EQ(c["not_after"], "9999-12-31T23:59:59Z") << c.dump();
            EXPECT_TRUE(c["no_expiry"].get<bool>()) << c.dump();
            EXPECT_TRUE(c["days_left"].is_null()) << c.dump();
        }
    }
    EXPECT_TRUE(saw_imported && saw_forever) << j.out;
    auto text = cli({"certs"});
    EXPECT_NE(text.out.find("unknown until login"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("no expiry"), std::string::npos) << text.out;
}
