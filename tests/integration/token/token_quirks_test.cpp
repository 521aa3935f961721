// Each vendor quirk's hook in the token service, against a SoftHSM2 token reached through a
// module that misbehaves like the vendor's (tests/fixtures/quirky_pkcs11). Every test runs the
// same operation with and without the quirk: without it, the vendor's behaviour shows.
#include "token_test_util.hpp"

#include <dlfcn.h>
#include <cstdlib>

using namespace certagent;
using namespace certagent::token;
using namespace certagent::token::testing;
using certagent::testing::SoftHsm;
using certagent::testing::TestKeyType;

namespace {

// The shim, proposed by a test plugin "vendor" whose quirks the test chooses.
TokenService quirkyService(const std::vector<std::string>& quirkNames) {
    TokenServiceOptions options;
    auto flags = quirksFromNames(quirkNames);
    options.quirks = [flags](const std::string& plugin) {
        return plugin == "vendor" ? flags : TokenQuirks{};
    };
    options.claimer = [](const TokenInfo&, const ModuleSpec&) { return std::string("vendor"); };
    return TokenService({ModuleSpec{CERTAGENT_QUIRKY_PKCS11, "vendor", ModuleSource::Plugin}},
                        options);
}

unsigned long openSessions() {
    void* lib = dlopen(CERTAGENT_QUIRKY_PKCS11, RTLD_NOW | RTLD_NOLOAD);
    if (!lib) return 0;  // not loaded: nothing open
    auto count = reinterpret_cast<unsigned long (*)()>(dlsym(lib, "quirky_open_sessions"));
    unsigned long n = count ? count() : 0;
    dlclose(lib);
    return n;
}

struct ShimEnv {
    explicit ShimEnv(const char* name) : name_(name) { setenv(name, "1", 1); }
    ~ShimEnv() { unsetenv(name_); }
    const char* name_;
};

}  // namespace

TEST(TokenQuirks, TokenInfoCancelWithFilledStructureStillListsTheToken) {
    SoftHsm hsm;
    auto& t = hsm.createToken("mToken");
    hsm.activate();
    ShimEnv cancel("QUIRKY_TOKEN_INFO_CANCEL");
    {
        auto plain = quirkyService({});
        EXPECT_TRUE(plain.tokens().empty());  // what libp11 and we saw before: an empty slot
    }
    auto service = quirkyService({"token_info_cancel_on_old_macos"});
    auto tokens = service.tokens();
    ASSERT_EQ(tokens.size(), 1u);
    EXPECT_EQ(tokens[0].serial, t.serial);
    EXPECT_EQ(tokens[0].label, "mToken");
    // A session's refresh() goes through the same hook.
    auto session = service.open(t.serial);
    EXPECT_EQ(session->refresh().serial, t.serial);
}

TEST(TokenQuirks, IdleSessionsAreClosedAfterEachOperationOnlyWithTheQuirk) {
    SoftHsm hsm;
    auto& t = hsm.createToken("ePass2003");
    hsm.addCertificate(t, {.commonName = "Idle"});
    hsm.activate();
    {
        auto plain = quirkyService({});
        auto session = plain.open(t.serial);
        EXPECT_EQ(session->certificates().size(), 1u);
        EXPECT_TRUE(session->holdsSession());
        EXPECT_EQ(openSessions(), 1u);  // held while the caller keeps the object
        EXPECT_TRUE(session->mayHoldWhileIdle());
    }
    auto service = quirkyService({"close_sessions_when_idle"});
    auto session = service.open(t.serial);
    EXPECT_FALSE(session->mayHoldWhileIdle());
    EXPECT_EQ(session->certificates().size(), 1u);
    EXPECT_FALSE(session->holdsSession());
    EXPECT_EQ(openSessions(), 0u);
    EXPECT_TRUE(session->certificate(fromHex("01")));  // opened again for the next operation
    EXPECT_EQ(openSessions(), 0u);
    // Logged in, the session is work in progress: it stays until the object goes.
    session->login(fixedPin(t.pin));
    EXPECT_TRUE(session->loggedIn());
    EXPECT_EQ(openSessions(), 1u);
    session.reset();
    EXPECT_EQ(openSessions(), 0u);
}

TEST(TokenQuirks, EcKeysAreRefusedWhenTheTokenDoesNotListThemOnlyWithTheQuirk) {
    SoftHsm hsm;
    auto& t = hsm.createToken("RSA only");
    hsm.activate();
    ShimEnv noEc("QUIRKY_NO_EC");
    {
        // Without the quirk the agent tries, and this module (like a lenient one) generates.
        auto plain = quirkyService({});
        auto session = plain.open(t.serial);
        session->login(fixedPin(t.pin));
        EXPECT_TRUE(session->canGenerate(KeyType::EcP256));
        EXPECT_NO_THROW(session->generateKeyPair(KeyType::EcP256, "tried"));
    }
    auto service = quirkyService({"ec_p256_only_on_ecc_variant"});
    auto session = service.open(t.serial);
    session->login(fixedPin(t.pin));
    EXPECT_FALSE(session->canGenerate(KeyType::EcP256));
    EXPECT_TRUE(session->canGenerate(KeyType::Rsa2048));
    auto e = expectError([&] { session->generateKeyPair(KeyType::EcP256, "refused"); });
    EXPECT_EQ(e.kind(), ErrorKind::Token);
    EXPECT_NE(std::string(e.what()).find("ec-p256"), std::string::npos) << e.what();
    EXPECT_NO_THROW(session->generateKeyPair(KeyType::Rsa2048, "rsa"));
    unsetenv("QUIRKY_NO_EC");
    EXPECT_TRUE(session->canGenerate(KeyType::EcP256));  // the ECC variant lists it
}
