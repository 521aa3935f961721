#include <gtest/gtest.h>

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/ui/settings_model.hpp"
#include "temp_dir.hpp"

namespace certagent::ui {
namespace {
using testing::readFile;
using testing::TempDir;
using testing::writeFile;

config::Config load(const TempDir& dir, const std::string& user, const std::string& policy = {}) {
    writeFile(dir / "user.toml", user);
    writeFile(dir / "policy.toml", policy);
    config::LoadOptions o;
    o.user_file = dir / "user.toml";
    o.policy_file = dir / "policy.toml";
    o.read_environment = false;
    return config::Config::load(o);
}

class SettingsModelTest : public ::testing::Test {
protected:
    void SetUp() override { i18n::setLanguage("en"); }
    TempDir dir{"ui-settings"};
};

TEST_F(SettingsModelTest, ReadsTheEffectiveValues) {
    auto cfg = load(dir, "[reminders]\ndays_before = [30, 7]\n[ui]\nlanguage = \"ro\"\n");
    SettingsModel m(cfg, dir / "user.toml");
    EXPECT_EQ(m.initial().daysBefore, (std::vector<int64_t>{30, 7}));
    EXPECT_EQ(m.initial().language, "ro");
    EXPECT_EQ(m.initial().portalUrl, "https://127.0.0.1:8443/");
    EXPECT_FALSE(m.initial().pinCache);
}

TEST_F(SettingsModelTest, SaveWritesOnlyChangedKeysAndKeepsTheOthers) {
    auto cfg = load(dir,
                    "[pkcs11]\nextra_modules = [\"/usr/lib/softhsm/libsofthsm2.so\"]\n"
                    "[server]\nport = 15001\n");
    SettingsModel m(cfg, dir / "user.toml");
    auto v = m.initial();
    v.daysBefore = {45, 10, 1};
    v.language = "en";
    auto written = m.save(v);
    EXPECT_EQ(written, (std::vector<std::string>{"reminders.days_before", "ui.language"}));
    auto again = load(dir, readFile(dir / "user.toml"));
    EXPECT_FALSE(again.hasErrors());
    EXPECT_EQ(again.getInts("reminders.days_before"), (std::vector<int64_t>{45, 10, 1}));
    EXPECT_EQ(again.getString("ui.language"), "en");
    EXPECT_EQ(again.getInt("server.port"), 15001);
    EXPECT_EQ(again.getStrings("pkcs11.extra_modules").at(0), "/usr/lib/softhsm/libsofthsm2.so");
    // Unchanged keys stay out of the user's file, so later defaults still reach them.
    EXPECT_EQ(readFile(dir / "user.toml").find("portal_url"), std::string::npos);
}

TEST_F(SettingsModelTest, CreatesTheUserFileWhenMissing) {
    auto cfg = config::Config::defaults();
    auto file = dir / "new" / "certagent" / "agent.toml";
    SettingsModel m(cfg, file);
    auto v = m.initial();
    v.pinCache = true;
    m.save(v);
    EXPECT_NE(readFile(file).find("pin_cache = true"), std::string::npos);
}

TEST_F(SettingsModelTest, LockedKeysAreReportedAndNeverWritten) {
    auto cfg = load(dir, "", "[policy]\nlocked = [\"renewal.portal_url\"]\n"
                             "[renewal]\nportal_url = \"https://ca.example.test/\"\n");
    SettingsModel m(cfg, dir / "user.toml");
    EXPECT_TRUE(m.isLocked("renewal.portal_url"));
    EXPECT_FALSE(m.isLocked("ui.language"));
    auto v = m.initial();
    v.portalUrl = "https://evil.example.test/";
    v.autostart = !v.autostart;
    auto written = m.save(v);
    EXPECT_EQ(written, (std::vector<std::string>{"ui.autostart"}));
    EXPECT_EQ(readFile(dir / "user.toml").find("evil"), std::string::npos);
}

TEST_F(SettingsModelTest, InvalidValuesAreRefusedByTheSchemaAndNothingIsWritten) {
    auto cfg = load(dir, "[server]\nport = 15001\n");
    SettingsModel m(cfg, dir / "user.toml");
    auto before = readFile(dir / "user.toml");
    auto v = m.initial();
    v.daysBefore = {30, 99999};  // schema: 0..3650
    v.portalUrl = "http://plain.example.test/";
    auto problems = m.validate(v);
    ASSERT_EQ(problems.size(), 2u);
    EXPECT_NE(problems[0].find("https://"), std::string::npos);
    EXPECT_NE(problems[1].find("Remind me before expiry"), std::string::npos);
    EXPECT_THROW(m.save(v), Error);
    EXPECT_EQ(readFile(dir / "user.toml"), before);
    v = m.initial();
    v.daysBefore.clear();
    EXPECT_EQ(m.validate(v).size(), 1u);
}

TEST_F(SettingsModelTest, ThresholdsParseAndFormat) {
    EXPECT_EQ(SettingsModel::parseThresholds("60, 30,14 7"),
              (std::vector<int64_t>{60, 30, 14, 7}));
    EXPECT_EQ(SettingsModel::parseThresholds(""), std::vector<int64_t>{});
    EXPECT_THROW(SettingsModel::parseThresholds("30, soon"), Error);
    EXPECT_EQ(SettingsModel::formatThresholds({60, 30}), "60, 30");
}

TEST_F(SettingsModelTest, ABrokenUserFileIsNotOverwritten) {
    auto cfg = config::Config::defaults();
    writeFile(dir / "user.toml", "[ui\nbroken");
    SettingsModel m(cfg, dir / "user.toml");
    auto v = m.initial();
    v.language = "ro";
    EXPECT_THROW(m.save(v), Error);
    EXPECT_EQ(readFile(dir / "user.toml"), "[ui\nbroken");
}

}  // namespace
}  // namespace certagent::ui
