// certagent-cli browser register|unregister|status on fresh NSS databases (a Chromium one and a
// Firefox profile under a test HOME), checked with NSS's own modutil and certutil.
#include "care_fixture.hpp"

using certagent::testing::CareFixture;
using certagent::testing::CareOptions;
using certagent::testing::runProcess;
using certagent::testing::writeFile;

namespace fs = std::filesystem;

namespace {

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

struct BrowserScene {
    CareFixture f;
    fs::path chromium, firefox;

    explicit BrowserScene(CareOptions options = {}) : f(std::move(options)) {
        f.hsm.addCertificate(*f.token, {.commonName = "Portal User", .label = "portal",
                                        .idHex = "c1"});
        chromium = f.dir / ".pki" / "nssdb";
        firefox = f.dir / ".mozilla" / "firefox" / "x1y2.default-release";
        for (const auto& d : {chromium, firefox}) {
            fs::create_directories(d);
            auto r = runProcess({"certutil", "-N", "-d", "sql:" + d.string(), "--empty-password"});
            EXPECT_EQ(r.exit_code, 0) << r.err;
        }
        writeFile(f.dir / ".mozilla" / "firefox" / "profiles.ini",
                  "[Install4F96D1932A9F858E]\nDefault=x1y2.default-release\n\n"
                  "[Profile0]\nName=default-release\nIsRelative=1\nPath=x1y2.default-release\n"
                  "Default=1\n\n[General]\nStartWithLastProfile=1\nVersion=2\n");
        // The test CA is neither on the token nor a system anchor: the browsers need it.
        writeFile(f.config, certagent::testing::readFile(f.config) + "[browser]\nca_certificates = [\"" +
                                f.hsm.caCertFile().string() + "\"]\n");
    }

    std::string modules(const fs::path& db) const {
        return runProcess({"modutil", "-dbdir", "sql:" + db.string(), "-list"}, f.env()).out;
    }
    std::string certificates(const fs::path& db) const {
        return runProcess({"certutil", "-L", "-d", "sql:" + db.string(), "-h", "all"}, f.env()).out;
    }
};

}  // namespace

TEST(Browser, RegisterMakesTheTokenAndItsCertificateVisibleAndUnregisterLeavesNothing) {
    BrowserScene s;
    auto r = s.f.cli({"browser", "register"});
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    for (const auto& db : {s.chromium, s.firefox}) {
        auto mods = s.modules(db);
        EXPECT_TRUE(has(mods, "certagent: libsofthsm2.so")) << mods;
        EXPECT_TRUE(has(mods, "token: Care")) << mods;
        auto certs = s.certificates(db);
        EXPECT_TRUE(has(certs, "Care:portal")) << certs;      // the token's certificate
        EXPECT_TRUE(has(certs, "certagent CA certagent Test")) << certs;  // the chain's CA
    }
    auto status = s.f.cliJson({"browser", "status"});
    ASSERT_EQ(status["databases"].size(), 2u) << status.dump(2);
    EXPECT_EQ(status["tokens"][0]["registered_in"].size(), 2u) << status.dump(2);
    EXPECT_EQ(status["databases"][1]["browser"], "firefox");
    EXPECT_EQ(status["databases"][1]["profile"], "default-release");

    // Registering again adds nothing twice.
    auto again = s.f.cliJson({"browser", "register"});
    for (const auto& c : again) EXPECT_EQ(c["outcome"], "already_ours") << again.dump(2);

    r = s.f.cli({"browser", "unregister"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (const auto& db : {s.chromium, s.firefox}) {
        auto mods = s.modules(db);
        EXPECT_FALSE(has(mods, "certagent")) << mods;
        EXPECT_FALSE(has(mods, "libsofthsm2")) << mods;
        auto certs = s.certificates(db);
        EXPECT_FALSE(has(certs, "Care:portal")) << certs;
        EXPECT_FALSE(has(certs, "certagent")) << certs;
    }
    EXPECT_TRUE(s.f.cliJson({"browser", "status"})["recorded"].empty());
}

TEST(Browser, UnregisterLeavesWhatSomeoneElseRegistered) {
    BrowserScene s;
    // The user had added the module to Chromium's database himself.
    auto r = runProcess({"modutil", "-dbdir", "sql:" + s.chromium.string(), "-add", "My SoftHSM",
                         "-libfile", certagent::testing::SoftHsm::modulePath().string(), "-force"},
                        s.f.env());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto changes = s.f.cliJson({"browser", "register"});
    bool leftAlone = false;
    for (const auto& c : changes)
        leftAlone |= c["kind"] == "module" && c["name"] == "My SoftHSM" && c["outcome"] == "already_there";
    EXPECT_TRUE(leftAlone) << changes.dump(2);
    EXPECT_TRUE(has(s.modules(s.firefox), "certagent: libsofthsm2.so"));
    s.f.cli({"browser", "unregister"});
    EXPECT_TRUE(has(s.modules(s.chromium), "My SoftHSM"));
    EXPECT_FALSE(has(s.modules(s.firefox), "libsofthsm2"));
}

TEST(Browser, ThroughP11KitTheProxyServesAVendorModuleP11KitDidNotKnow) {
    BrowserScene s({.countingModule = true});
    auto r = s.f.cli({"browser", "register", "--via", "p11-kit"});
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    const auto file = s.f.dir / ".config/pkcs11/modules/certagent-certagent_test_pin_counter.module";
    ASSERT_TRUE(fs::exists(file)) << r.out;
    EXPECT_TRUE(has(certagent::testing::readFile(file), CERTAGENT_TEST_PIN_COUNTER_MODULE));
    auto mods = s.modules(s.firefox);
    EXPECT_TRUE(has(mods, "certagent: p11-kit-proxy.so")) << mods;
    EXPECT_TRUE(has(s.certificates(s.firefox), "Care:portal"));
    r = s.f.cli({"browser", "unregister"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_FALSE(fs::exists(file));
    EXPECT_FALSE(has(s.modules(s.firefox), "p11-kit-proxy"));
    EXPECT_FALSE(has(s.certificates(s.firefox), "Care:portal"));
}

TEST(Browser, WithoutABrowserDatabaseRegisterSaysWhatToDo) {
    CareFixture f;
    auto r = f.cli({"browser", "register"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(has(r.err, "start Chromium or Firefox once")) << r.err;
    r = f.cli({"browser", "unregister"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_TRUE(has(r.out, "Nothing to undo")) << r.out;
}
