#include <gtest/gtest.h>
#include <toml++/toml.h>

#include "certagent/core/config.hpp"
#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "temp_dir.hpp"

using namespace certagent;
using namespace certagent::config;
using certagent::testing::TempDir;
using certagent::testing::writeFile;

namespace {

struct Layers {
    TempDir dir{"certagent-config"};
    std::filesystem::path policy = dir / "policy.toml";
    std::filesystem::path user = dir / "user.toml";
    std::filesystem::path cli = dir / "cli.toml";
    Config load(bool with_cli = false) {
        LoadOptions o;
        o.policy_file = policy;
        o.user_file = user;
        if (with_cli) o.explicit_file = cli;
        o.read_environment = false;
        return Config::load(o);
    }
};

const Diagnostic* findDiag(const Config& c, const std::string& key) {
    for (const auto& d : c.diagnostics())
        if (d.key == key) return &d;
    return nullptr;
}

class ConfigTest : public ::testing::Test {
protected:
    void SetUp() override { i18n::init("en"); }
};

}  // namespace

TEST_F(ConfigTest, DefaultsWhenNoFileExists) {
    Layers l;
    auto c = l.load();
    EXPECT_FALSE(c.hasErrors());
    EXPECT_EQ(c.getInts("reminders.days_before"), (std::vector<int64_t>{60, 30, 14, 7, 3, 1}));
    EXPECT_EQ(c.getInt("server.port"), 15000);
    EXPECT_FALSE(c.getBool("server.enabled"));
    EXPECT_EQ(c.find("server.port")->layer, Layer::Default);
}

TEST_F(ConfigTest, LaterLayersOverrideEarlierOnes) {
    Layers l;
    writeFile(l.policy, "[server]\nport = 16000\n");
    writeFile(l.user, "[server]\nport = 17000\n[reminders]\ndays_before = [10]\n");
    writeFile(l.cli, "[server]\nport = 18000\n");
    auto c = l.load(true);
    ASSERT_FALSE(c.hasErrors());
    EXPECT_EQ(c.getInt("server.port"), 18000);
    EXPECT_EQ(c.find("server.port")->layer, Layer::Explicit);
    EXPECT_EQ(c.find("server.port")->line, 2);
    EXPECT_EQ(c.getInts("reminders.days_before"), std::vector<int64_t>{10});
    EXPECT_EQ(c.find("reminders.days_before")->layer, Layer::User);
    auto j = c.toJson();
    EXPECT_EQ(j["server.port"]["layer"], "explicit");
    EXPECT_EQ(j["server.port"]["file"], l.cli.string());
    EXPECT_EQ(j["reminders.days_before"]["layer"], "user");
}

TEST_F(ConfigTest, PolicyLocksKeysAgainstUserAndExplicitFiles) {
    Layers l;
    writeFile(l.policy,
              "[server]\nenabled = false\n[policy]\nlocked = [\"server.enabled\", "
              "\"renewal.portal_url\"]\n");
    writeFile(l.user, "[server]\nenabled = true\n");
    writeFile(l.cli, "[renewal]\nportal_url = \"https://evil.example/\"\n");
    auto c = l.load(true);
    EXPECT_FALSE(c.hasErrors());
    EXPECT_FALSE(c.getBool("server.enabled"));
    EXPECT_TRUE(c.isLocked("server.enabled"));
    EXPECT_TRUE(c.isLocked("renewal.portal_url"));
    EXPECT_EQ(c.getString("renewal.portal_url"), "https://127.0.0.1:8443/");
    auto* d = findDiag(c, "server.enabled");
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->severity, Diagnostic::Severity::Warning);
    EXPECT_EQ(d->file, l.user);
    EXPECT_EQ(d->line, 2);
    EXPECT_NE(d->message.find("locked by the administrator's policy"), std::string::npos);
    EXPECT_NE(findDiag(c, "renewal.portal_url"), nullptr);
}

TEST_F(ConfigTest, OnlyThePolicyFileCanLock) {
    Layers l;
    writeFile(l.user, "[policy]\nlocked = [\"server.port\"]\n[server]\nport = 1234\n");
    auto c = l.load();
    EXPECT_FALSE(c.isLocked("server.port"));
    auto* d = findDiag(c, "policy.locked");
    ASSERT_NE(d, nullptr);
    EXPECT_NE(d->message.find("only the policy file"), std::string::npos);
}

TEST_F(ConfigTest, WrongTypeNamesFileLineKeyAndExpectation) {
    Layers l;
    writeFile(l.user, "# comment\n[reminders]\n\ndays_before = \"soon\"\n");
    auto c = l.load();
    ASSERT_TRUE(c.hasErrors());
    auto* d = findDiag(c, "reminders.days_before");
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->severity, Diagnostic::Severity::Error);
    EXPECT_EQ(d->line, 4);
    EXPECT_EQ(d->format(), l.user.string() +
                               ":4: error: key 'reminders.days_before': expected an array of "
                               "integers from 0 to 3650, got \"soon\"; the value is not used");
    // The bad value changed nothing.
    EXPECT_EQ(c.getInts("reminders.days_before").size(), 6u);
    EXPECT_THROW(c.throwIfErrors(), Error);
}

TEST_F(ConfigTest, OutOfRangeAndNotAllowedValuesAreErrors) {
    Layers l;
    writeFile(l.user,
              "[server]\nport = 70000\n[ui]\nlanguage = \"fr\"\n[renewal]\nyears = 5\n"
              "[pkcs11]\nextra_modules = [\"\"]\n");
    auto c = l.load();
    for (auto key : {"server.port", "ui.language", "renewal.years", "pkcs11.extra_modules"}) {
        auto* d = findDiag(c, key);
        ASSERT_NE(d, nullptr) << key;
        EXPECT_EQ(d->severity, Diagnostic::Severity::Error) << key;
    }
    EXPECT_NE(findDiag(c, "ui.language")->message.find("one of: auto, ro, en"), std::string::npos);
    EXPECT_NE(findDiag(c, "server.port")->message.find("from 1 to 65535"), std::string::npos);
    EXPECT_EQ(c.getInt("server.port"), 15000);
}

TEST_F(ConfigTest, UnknownKeysAreWarnedNotTaken) {
    Layers l;
    writeFile(l.user, "[reminders]\ndays_befor = [1]\n[nosuch]\nx = 1\n");
    auto c = l.load();
    EXPECT_FALSE(c.hasErrors());
    auto* d = findDiag(c, "reminders.days_befor");
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->severity, Diagnostic::Severity::Warning);
    EXPECT_EQ(d->line, 2);
    EXPECT_NE(findDiag(c, "nosuch.x"), nullptr);
    EXPECT_EQ(c.find("reminders.days_befor"), nullptr);
}

TEST_F(ConfigTest, SyntaxErrorNamesLineAndSkipsTheFile) {
    Layers l;
    writeFile(l.user, "[server]\nport = 16000\nenabled = = true\n");
    auto c = l.load();
    ASSERT_TRUE(c.hasErrors());
    ASSERT_FALSE(c.diagnostics().empty());
    const auto& d = c.diagnostics().front();
    EXPECT_EQ(d.file, l.user);
    EXPECT_EQ(d.line, 3);
    EXPECT_NE(d.message.find("TOML syntax error"), std::string::npos);
    EXPECT_EQ(c.getInt("server.port"), 15000);  // nothing of the broken file was taken
}

TEST_F(ConfigTest, MissingExplicitFileIsAnErrorMissingUserFileIsNot) {
    Layers l;
    auto c = l.load(true);  // cli.toml was never written
    ASSERT_TRUE(c.hasErrors());
    EXPECT_EQ(c.diagnostics().front().file, l.cli);
    EXPECT_NE(c.diagnostics().front().message.find("not found"), std::string::npos);
}

TEST_F(ConfigTest, TokenModuleOverrideUsesPatternKey) {
    Layers l;
    writeFile(l.user, "[tokens.epass2003auto]\nmodule = \"/opt/x/libcastle.so\"\n");
    auto c = l.load();
    EXPECT_FALSE(c.hasErrors());
    EXPECT_EQ(c.getString("tokens.epass2003auto.module"), "/opt/x/libcastle.so");
    EXPECT_EQ(c.getString("tokens.mtoken-cryptoid.module"), "");
}

TEST_F(ConfigTest, ShippedAgentTomlDocumentsEveryKeyWithItsDefault) {
    auto file = certagent::testing::sourceDir() / "config/agent.toml";
    auto table = toml::parse_file(file.string());
    for (const auto& def : schema()) {
        if (def.key.find('*') != std::string::npos || def.key == "policy.locked") continue;
        auto node = table.at_path(def.key);
        ASSERT_TRUE(node) << def.key << " is missing from config/agent.toml";
        Layers l;
        writeFile(l.user, certagent::testing::readFile(file));
        auto c = l.load();
        ASSERT_FALSE(c.hasErrors());
        EXPECT_EQ(c.find(def.key)->value, def.default_value) << def.key;
    }
    // And nothing in it is unknown.
    Layers l;
    writeFile(l.user, certagent::testing::readFile(file));
    EXPECT_TRUE(l.load().diagnostics().empty());
}

// A configuration file is a few KiB; a 35 MB one used to take 26 s and 2.4 GB in toml++.
TEST_F(ConfigTest, FileLargerThanOneMebibyteIsRefusedNamingIt) {
    Layers l;
    std::string big = "[server]\nport = 15001\n# ";
    big += std::string(2 * 1024 * 1024, 'x');
    big += "\n";
    writeFile(l.user, big);
    auto c = l.load();
    EXPECT_TRUE(c.hasErrors());
    EXPECT_EQ(c.getInt("server.port"), 15000);  // nothing from that file is used
    ASSERT_FALSE(c.diagnostics().empty());
    const auto text = c.diagnostics()[0].format();
    EXPECT_NE(text.find(l.user.string()), std::string::npos) << text;
    EXPECT_NE(text.find("larger than 1 MiB"), std::string::npos) << text;
}

TEST_F(ConfigTest, WildcardAndNullOriginsAreErrorsPlainHttpIsAWarning) {
    Layers l;
    writeFile(l.user,
              "[server]\nallowed_origins = [\"*\", \"https://ca.example.ro\"]\n");
    auto c = l.load();
    EXPECT_TRUE(c.hasErrors());
    auto* d = findDiag(c, "server.allowed_origins");
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->severity, Diagnostic::Severity::Error);
    EXPECT_NE(d->message.find("\"*\""), std::string::npos) << d->message;
    EXPECT_EQ(c.getStrings("server.allowed_origins"),
              std::vector<std::string>{"https://ca.certdigital.ro"});  // the default stays

    writeFile(l.user, "[server]\nallowed_origins = [\"null\"]\n");
    EXPECT_TRUE(l.load().hasErrors());

    writeFile(l.user, "[server]\nallowed_origins = [\"http://portal.example.ro\", "
                      "\"http://127.0.0.1:8443\", \"http://localhost:3000\"]\n");
    auto w = l.load();
    EXPECT_FALSE(w.hasErrors());
    d = findDiag(w, "server.allowed_origins");
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->severity, Diagnostic::Severity::Warning);
    EXPECT_NE(d->message.find("http://portal.example.ro"), std::string::npos) << d->message;
    EXPECT_EQ(d->message.find("127.0.0.1"), std::string::npos) << d->message;
    EXPECT_EQ(w.getStrings("server.allowed_origins").size(), 3u);
}

TEST_F(ConfigTest, TestConsentIsWarnedLoudly) {
    Layers l;
    writeFile(l.user, "[server]\nconsent = \"test\"\n");
    auto c = l.load();
    EXPECT_FALSE(c.hasErrors());
    auto* d = findDiag(c, "server.consent");
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->severity, Diagnostic::Severity::Warning);
    EXPECT_NE(d->message.find("every signing request"), std::string::npos) << d->message;
    writeFile(l.user, "[server]\nconsent = \"ask\"\n");
    EXPECT_EQ(findDiag(l.load(), "server.consent"), nullptr);
}
