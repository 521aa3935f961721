// The tray's driver-missing and vendor-utility items, and how the utility is started.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/platform/launch.hpp"
#include "certagent/core/ui/menu_model.hpp"
#include "certagent/core/ui/token_help.hpp"
#include "temp_dir.hpp"

#include <sys/stat.h>

namespace certagent::ui {
namespace {

using json = nlohmann::json;
using certagent::testing::readFile;
using certagent::testing::TempDir;
using certagent::testing::writeFile;

class TokenHelp : public ::testing::Test {
  protected:
    void SetUp() override { i18n::setLanguage("en"); }
    void TearDown() override { i18n::setLanguage("en"); }
};

// What DriverWatch publishes for an ePass3000 without its driver.
json epass3000Missing(std::string url = "https://www.certdigital.ro/download/ePass3000.zip") {
    return json::array({{{"plugin", "epass3000"},
                         {"vendor", "Feitian"},
                         {"product", "ePass3000"},
                         {"usb_name", "Feitian ePass3000"},
                         {"vid", "096e"},
                         {"pid", "0401"},
                         {"device", "/devices/usb1/1-3"},
                         {"reason", "module_missing"},
                         {"drivers", {{{"url", url}, {"note", "Feitian driver"}}}}}});
}

TEST_F(TokenHelp, TheMenuSaysWhichDriverIsMissingAndLinksTheVendorsDownload) {
    TraySnapshot s;
    s.missingDrivers = missingDriverViews(epass3000Missing());
    auto m = buildMenu(s, {});
    auto* said = m.find("driver-missing:/devices/usb1/1-3");
    ASSERT_TRUE(said);
    EXPECT_EQ(said->kind, MenuItem::Kind::Header);
    EXPECT_EQ(said->label, "Feitian ePass3000 is plugged in, but its driver is not installed");
    auto* link = m.find("driver:/devices/usb1/1-3:0");
    ASSERT_TRUE(link);
    EXPECT_EQ(link->label, "Download the driver for Feitian ePass3000…");
    EXPECT_EQ(link->action["action"], "open_url");
    EXPECT_EQ(link->action["url"], "https://www.certdigital.ro/download/ePass3000.zip");
    // Nothing missing: no such items.
    EXPECT_FALSE(buildMenu(TraySnapshot{}, {}).find("driver-missing:/devices/usb1/1-3"));
}

TEST_F(TokenHelp, InRomanianToo) {
    i18n::init("en");  // binds the catalogs (CERTAGENT_LOCALEDIR)
    i18n::setLanguage("ro");
    TraySnapshot s;
    s.missingDrivers = missingDriverViews(epass3000Missing());
    auto m = buildMenu(s, {});
    EXPECT_EQ(m.find("driver-missing:/devices/usb1/1-3")->label,
              "Feitian ePass3000 este conectat, dar driverul său nu este instalat");
    EXPECT_EQ(m.find("driver:/devices/usb1/1-3:0")->label,
              "Descărcați driverul pentru Feitian ePass3000…");
}

TEST_F(TokenHelp, OnlyHttpsLinksAreOfferedAndTheListIsBounded) {
    for (const char* bad : {"file:///etc/passwd", "javascript:alert(1)", "http://x.invalid/d",
                            "https:///nohost", "https://x.invalid/a b"}) {
        auto v = missingDriverViews(epass3000Missing(bad));
        ASSERT_EQ(v.size(), 1u);
        ASSERT_EQ(v[0].drivers.size(), 1u) << bad;  // the note stays
        EXPECT_TRUE(v[0].drivers[0].url.empty()) << bad;
        auto m = buildMenu(TraySnapshot{{}, {}, false, {}, v, {}}, {});
        EXPECT_EQ(m.find("driver:/devices/usb1/1-3:0")->kind, MenuItem::Kind::Header) << bad;
    }
    json many = json::array();
    for (int i = 0; i < 100; ++i) many.push_back(epass3000Missing()[0]);
    many.push_back("not an object");
    many.push_back({{"plugin", std::string(10000, 'x')}});
    EXPECT_EQ(missingDriverViews(many).size(), 16u);
    EXPECT_TRUE(missingDriverViews(json::object()).empty());
    // No link for this OS: the menu says to ask the CA.
    auto none = epass3000Missing();
    none[0]["drivers"] = json::array();
    none[0]["reason"] = "no_token";
    auto v = missingDriverViews(none);
    auto m = buildMenu(TraySnapshot{{}, {}, false, {}, v, {}}, {});
    EXPECT_TRUE(m.find("driver-unknown:/devices/usb1/1-3"));
    EXPECT_NE(m.find("driver-missing:/devices/usb1/1-3")->label.find("reinstall the driver"),
              std::string::npos);
}

TEST_F(TokenHelp, TheVendorUtilityIsOfferedOnlyWhenInstalled) {
    TempDir dir;
    token::TokenProfile p;
    p.name = "epass2003auto";
    p.vendor = "Feitian";
    p.vendorTool.paths[token::currentOs()] = {(dir / "ePassManager").string()};
    EXPECT_TRUE(vendorToolViews({p}).empty());
    writeFile(dir / "ePassManager", "#!/bin/sh\n");
    auto tools = vendorToolViews({p});
    ASSERT_EQ(tools.size(), 1u);
    EXPECT_EQ(tools[0].name, "the Feitian utility");
    TraySnapshot s;
    s.vendorTools = tools;
    auto m = buildMenu(s, {});
    auto* item = m.find("vendor-tool:epass2003auto");
    ASSERT_TRUE(item);
    EXPECT_EQ(item->label, "Open the Feitian utility");
    EXPECT_EQ(item->action, (json{{"action", "vendor_tool"}, {"plugin", "epass2003auto"}}));
    p.vendorTool.name = "ePass2003 Token Manager";
    EXPECT_EQ(vendorToolLabel(vendorToolViews({p})[0]), "Open ePass2003 Token Manager");
}

TEST_F(TokenHelp, TheUtilityStartsDetachedWithTheSessionsEnvironmentOnly) {
    TempDir dir;
    const auto out = dir / "env.txt";
    const auto tool = dir / "tool.sh";
    writeFile(tool, "#!/bin/sh\nenv > '" + (dir / "env.tmp").string() + "'\nmv '" +
                        (dir / "env.tmp").string() + "' '" + out.string() + "'\n");
    ::chmod(tool.c_str(), 0755);
    ::setenv("CERTAGENT_TEST_PIN_ENV", "123456", 1);  // e.g. a --pin-env variable
    platform::launchDetached(tool);
    ::unsetenv("CERTAGENT_TEST_PIN_ENV");
    for (int i = 0; i < 200 && !std::filesystem::exists(out); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    ASSERT_TRUE(std::filesystem::exists(out));
    auto env = readFile(out);
    EXPECT_NE(env.find("PATH="), std::string::npos);
    EXPECT_EQ(env.find("CERTAGENT_TEST_PIN_ENV"), std::string::npos) << env;
    try {
        platform::launchDetached(dir / "missing-tool");
        FAIL() << "no error for a missing program";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Io);
        EXPECT_NE(std::string(e.what()).find("missing-tool"), std::string::npos);
    }
}

}  // namespace
}  // namespace certagent::ui
