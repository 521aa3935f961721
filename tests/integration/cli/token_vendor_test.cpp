// A vendor that is one folder of data (tests/fixtures/token_vendors/test-vendor/profile.json):
// the build makes it a plugin, and certagent-cli lists it, claims its tokens with it, and says
// when its token is plugged in (a recorded sysfs uevent) without a token behind it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "softhsm.hpp"
#include "temp_dir.hpp"

using certagent::testing::runProcess;
using certagent::testing::SoftHsm;
using certagent::testing::TempDir;
using certagent::testing::writeFile;
using json = nlohmann::json;

namespace {

struct VendorCli {
    TempDir home{"certagent-vendor-home"};
    SoftHsm hsm;
    VendorCli() {
        writeFile(home / "agent.toml",
                  "[plugins]\ndirs = [\"" CERTAGENT_TEST_TOKEN_VENDORS "\"]\n");
    }
    certagent::testing::ProcessResult run(std::vector<std::string> args,
                                          std::vector<std::string> env = {}) {
        args.insert(args.begin(), {CERTAGENT_CLI, "--config", (home / "agent.toml").string()});
        for (auto& e : hsm.env()) env.push_back(e);
        env.push_back("HOME=" + home.path().string());
        env.push_back("XDG_CONFIG_HOME=" + (home / "config").string());
        env.push_back("XDG_STATE_HOME=" + (home / "state").string());
        env.push_back("CERTAGENT_POLICY_FILE=" + (home / "policy.toml").string());
        env.push_back("CERTAGENT_SYSFS_ROOT=" + (home / "sys").string());
        if (std::none_of(env.begin(), env.end(),
                         [](const std::string& e) { return e.rfind("LANG=", 0) == 0; }))
            env.push_back("LANG=C.UTF-8");
        env.push_back("LANGUAGE=");
        env.push_back("LC_ALL=");
        return runProcess(args, env);
    }
    // The test vendor's token on the USB bus, as the kernel lists it in sysfs.
    void plugIn() {
        writeFile(home / "sys/bus/usb/devices/1-7/uevent",
                  "MAJOR=189\nMINOR=8\nDEVNAME=bus/usb/001/009\nDEVTYPE=usb_device\n"
                  "DRIVER=usb\nPRODUCT=f055/c0de/100\nTYPE=0/0/0\nBUSNUM=001\nDEVNUM=009\n");
    }
};

}  // namespace

TEST(TokenVendorFolder, TheDataOnlyFolderIsAPluginTheCliLists) {
    VendorCli cli;
    auto r = cli.run({"--json", "plugins"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    bool found = false;
    for (const auto& p : json::parse(r.out))
        if (p.value("name", "") == "test-vendor") {
            found = true;
            EXPECT_EQ(p["kind"], "token");
            EXPECT_EQ(p["description"], "Test Vendor Test token (SoftHSM2)");
        }
    EXPECT_TRUE(found) << r.out;
}

TEST(TokenVendorFolder, ItsProfileClaimsItsTokens) {
    VendorCli cli;
    auto& t = cli.hsm.createToken("Vendor One");
    auto r = cli.run({"--json", "tokens"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto list = json::parse(r.out);
    ASSERT_EQ(list.size(), 1u) << r.out;
    EXPECT_EQ(list[0]["serial"], t.serial);
    EXPECT_EQ(list[0]["plugin"], "test-vendor");
    EXPECT_EQ(list[0]["status"], "ready");
    // Plugged in and listed: no driver is missing.
    cli.plugIn();
    list = json::parse(cli.run({"--json", "tokens"}).out);
    EXPECT_EQ(list.size(), 1u) << list.dump();
}

TEST(TokenVendorFolder, ItsTokenPluggedInWithoutATokenBehindItNamesTheDriver) {
    VendorCli cli;
    cli.plugIn();
    auto r = cli.run({"--json", "tokens"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto list = json::parse(r.out);
    ASSERT_EQ(list.size(), 1u) << r.out;
    const auto& m = list[0];
    EXPECT_EQ(m["status"], "driver_missing");
    EXPECT_EQ(m["plugin"], "test-vendor");
    EXPECT_EQ(m["vid"], "f055");
    EXPECT_EQ(m["pid"], "c0de");
    EXPECT_EQ(m["reason"], "no_token");  // its module (SoftHSM2 here) is installed
    EXPECT_TRUE(m["serial"].is_null());
    EXPECT_EQ(m["drivers"][0]["url"], "https://example.invalid/test-vendor-driver.tar.gz");

    r = cli.run({"tokens"});
    EXPECT_NE(r.out.find("Test Vendor Token is plugged in, but its driver shows no token"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("https://example.invalid/test-vendor-driver.tar.gz"), std::string::npos);
    EXPECT_EQ(r.out.find("No token found"), std::string::npos);

    r = cli.run({"tokens"}, {"LANG=ro_RO.UTF-8"});
    EXPECT_NE(r.out.find("Test Vendor Token este conectat, dar driverul său nu arată niciun token"),
              std::string::npos)
        << r.out;
}
