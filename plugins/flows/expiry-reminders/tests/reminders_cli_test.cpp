// certagent-cli reminders and the daemon's reminders (the expiry-reminders plugin, loaded by the
// real programs) against a real SoftHSM2 token.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "certagent/core/clock.hpp"
#include "softhsm.hpp"
#include "temp_dir.hpp"

using certagent::testing::readFile;
using certagent::testing::runProcess;
using certagent::testing::SoftHsm;
using certagent::testing::TempDir;
using certagent::testing::writeFile;
using nlohmann::json;

namespace {

struct Cli {
    TempDir home{"certagent-reminders-home"};
    SoftHsm hsm;

    explicit Cli(const std::string& extra = {}) {
        writeFile(home / "agent.toml", "[pkcs11]\nextra_modules = [\"" +
                                           SoftHsm::modulePath().string() +
                                           "\"]\nuse_p11_kit = false\n" + extra);
    }
    certagent::testing::ProcessResult run(std::vector<std::string> args,
                                          std::vector<std::string> env = {}, int timeout = 60) {
        args.insert(args.begin(), {CERTAGENT_CLI, "--config", (home / "agent.toml").string(),
                                   "--state-dir", (home / "state").string()});
        for (auto& e : hsm.env()) env.push_back(e);
        env.push_back("HOME=" + home.path().string());
        env.push_back("XDG_CONFIG_HOME=" + (home / "config").string());
        env.push_back("CERTAGENT_POLICY_FILE=" + (home / "policy.toml").string());
        if (std::none_of(env.begin(), env.end(),
                         [](const std::string& e) { return e.rfind("TZ=", 0) == 0; }))
            env.push_back("TZ=UTC");
        if (std::none_of(env.begin(), env.end(),
                         [](const std::string& e) { return e.rfind("LANG=", 0) == 0; }))
            env.push_back("LANG=C.UTF-8");
        env.push_back("LANGUAGE=");
        env.push_back("LC_ALL=");
        return runProcess(args, env, {}, timeout);
    }
};

json byCn(const json& list, const std::string& cn) {
    for (const auto& r : list)
        if (r["subject"].get<std::string>().find("CN=" + cn) != std::string::npos) return r;
    return json();
}

std::string isoIn(int days) {
    return certagent::toIso8601(std::chrono::system_clock::now() + std::chrono::hours(24 * days));
}

}  // namespace

TEST(RemindersCli, ListsWhatIsDueAndWhyForTheCertificatesOnAToken) {
    Cli cli;
    auto& t = cli.hsm.createToken("Ana");
    cli.hsm.addCertificate(t, {.commonName = "Ana Soon", .notAfterDays = 10, .qualified = true});
    cli.hsm.addCertificate(t, {.commonName = "Ana Later", .notAfterDays = 200});
    cli.hsm.addCertificate(t, {.commonName = "Ana Gone", .notAfterDays = -3, .withKey = false});

    auto r = cli.run({"reminders", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto list = json::parse(r.out);
    ASSERT_EQ(list.size(), 3u) << r.out;
    // Expired first, then the qualified one due soon.
    EXPECT_NE(list[0]["subject"].get<std::string>().find("Ana Gone"), std::string::npos);
    auto soon = byCn(list, "Ana Soon");
    EXPECT_EQ(soon["state"], "due");
    EXPECT_EQ(soon["threshold"], 14);
    EXPECT_EQ(soon["token"], t.serial);
    EXPECT_TRUE(soon["qualified"].get<bool>());
    EXPECT_TRUE(soon["has_private_key"].get<bool>());
    EXPECT_GE(soon["days_left"].get<int>(), 9);
    EXPECT_LE(soon["days_left"].get<int>(), 10);
    EXPECT_TRUE(soon["token_present"].get<bool>());
    auto gone = byCn(list, "Ana Gone");
    EXPECT_EQ(gone["threshold"], "expired");
    EXPECT_EQ(gone["severity"], "critical");
    auto later = byCn(list, "Ana Later");
    EXPECT_EQ(later["state"], "scheduled");
    EXPECT_EQ(later["next_threshold"], 60);

    // --now: the same certificates seen 150 days later, and the reason in words.
    r = cli.run({"reminders", "--now", isoIn(150)});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("STATE"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("60-day reminder reached on"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("expired on"), std::string::npos) << r.out;
}

TEST(RemindersCli, RemembersCertificatesOfAnUnpluggedTokenAndForgetsReplacedOnes) {
    Cli cli;
    auto& t = cli.hsm.createToken("Ana");
    cli.hsm.addCertificate(t, {.commonName = "Ana", .notAfterDays = 20});
    ASSERT_EQ(cli.run({"reminders"}).exit_code, 0);
    auto serial = t.serial;
    cli.hsm.removeToken(t);
    auto r = cli.run({"reminders", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto list = json::parse(r.out);
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0]["token"], serial);
    EXPECT_FALSE(list[0]["token_present"].get<bool>());
    EXPECT_EQ(list[0]["state"], "due");
    EXPECT_EQ(list[0]["threshold"], 30);
}

TEST(RemindersCli, NewerCertificateForTheSameSubjectMarksTheOldOneRenewed) {
    Cli cli;
    auto& t = cli.hsm.createToken("Ana");
    cli.hsm.addCertificate(t, {.commonName = "Ana", .notAfterDays = 5, .qualified = true});
    cli.hsm.addCertificate(t, {.commonName = "Ana", .notAfterDays = 730, .qualified = true});
    auto r = cli.run({"reminders", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto list = json::parse(r.out);
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0]["state"], "scheduled");
    EXPECT_EQ(list[1]["state"], "renewed");
}

TEST(RemindersCli, BadNowIsAUsageErrorNamingTheValue) {
    Cli cli;
    auto r = cli.run({"reminders", "--now", "tomorrow"});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("tomorrow"), std::string::npos) << r.err;
}

// The headless agent: the reminder on stderr, and [reminders] command with CERTAGENT_* fields.
TEST(RemindersDaemon, RemindsOnStderrAndRunsTheConfiguredCommand) {
    TempDir out{"certagent-reminders-hook"};
    const auto hook = (out / "hook.txt").string();
    Cli cli("[reminders]\ncommand = [\"sh\", \"-c\", \"env | grep ^CERTAGENT_ | sort > \\\"$0\\\"\", \"" +
            hook + "\"]\n");
    auto& t = cli.hsm.createToken("Ana");
    cli.hsm.addCertificate(t, {.commonName = "Ana Popescu", .notAfterDays = 6, .qualified = true});
    // Listing first consumes nothing: the daemon still reminds.
    ASSERT_EQ(cli.run({"reminders"}).exit_code, 0);
    EXPECT_FALSE(std::filesystem::exists(hook));

    // The daemon runs until stopped: the runner ends it after a few seconds.
    auto r = cli.run({"daemon"}, {}, 6);
    EXPECT_NE(r.err.find("Your qualified certificate expires in"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("Ana Popescu"), std::string::npos) << r.err;
    auto env = readFile(hook);
    EXPECT_NE(env.find("CERTAGENT_TOKEN=" + t.serial + "\n"), std::string::npos) << env;
    EXPECT_NE(env.find("CERTAGENT_THRESHOLD=7\n"), std::string::npos) << env;
    EXPECT_NE(env.find("CERTAGENT_SUBJECT="), std::string::npos) << env;
    EXPECT_NE(env.find("CERTAGENT_QUALIFIED=1\n"), std::string::npos) << env;
}

TEST(RemindersCli, ADamagedReminderDatabaseIsAClearErrorAndIsLeftAsItIs) {
    Cli cli;
    auto& t = cli.hsm.createToken("Ana");
    cli.hsm.addCertificate(t, {.commonName = "Ana", .notAfterDays = 20});
    ASSERT_EQ(cli.run({"reminders"}).exit_code, 0);
    const auto file = cli.home / "state" / "plugins" / "expiry-reminders" / "reminders.sqlite3";
    ASSERT_TRUE(std::filesystem::exists(file));
    const std::string garbage(4096, 'q');
    writeFile(file, garbage);
    std::filesystem::remove(file.string() + "-wal");
    std::filesystem::remove(file.string() + "-shm");
    auto r = cli.run({"reminders", "--json"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find(file.string()), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("left as it is"), std::string::npos) << r.err;
    EXPECT_EQ(readFile(file), garbage);
}
