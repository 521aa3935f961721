// certagent-cli daemon on a desktop (Xvfb, a private D-Bus session, dunst, trayer), against a
// SoftHSM2 token whose certificate expires in 10 days: the reminder goes out through
// org.freedesktop.Notifications with its buttons; "Remind me tomorrow", chosen in dunst's own
// menu, snoozes the reminder (certagent-cli reminders says so); "Renew now" starts the tray app
// with the renewal wizard for that certificate, and the tray takes over from the daemon.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <signal.h>

#include "desktop_session.hpp"
#include "softhsm.hpp"

namespace certagent::testing {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using json = nlohmann::json;

class DaemonOnADesktop : public ::testing::Test {
protected:
    void SetUp() override {
        auto& token = hsm.createToken("Ion token");
        hsm.addCertificate(token, {.commonName = "Ion Popescu", .notAfterDays = 10,
                                   .qualified = true});
        for (auto d : {"config", "state", "runtime", "xdgstate"}) fs::create_directories(tmp / d);
        fs::permissions(tmp / "runtime", fs::perms::owner_all);
        writeFile(tmp / "agent.toml",
                  "[pkcs11]\nextra_modules = [\"" + SoftHsm::modulePath().string() +
                      "\"]\nuse_p11_kit = false\n[ui]\nautostart = false\n");
        env = desktop.env();
        for (auto& e : hsm.env()) env.push_back(e);
        for (auto& e : std::vector<std::string>{
                 "CERTAGENT_CONFIG=" + (tmp / "agent.toml").string(),
                 "CERTAGENT_POLICY_FILE=" + (tmp / "no-policy.toml").string(),
                 "CERTAGENT_STATE_DIR=" + (tmp / "state").string(),
                 "XDG_CONFIG_HOME=" + (tmp / "config").string(),
                 "XDG_STATE_HOME=" + (tmp / "xdgstate").string(),
                 "XDG_RUNTIME_DIR=" + (tmp / "runtime").string(), "LANGUAGE=en",
                 "LANG=C.UTF-8", "NO_AT_BRIDGE=1"})
            env.push_back(e);
    }

    // The tray app a daemon started is not the test's child: stop it whatever happened.
    void TearDown() override {
        if (!fs::exists(tmp / "state" / "agent.lock")) return;
        auto lock = readFile(tmp / "state" / "agent.lock");
        int pid = std::atoi(lock.c_str());
        if (pid > 0 && lock.find("tray") != std::string::npos) ::kill(pid, SIGKILL);
    }

    json reminders() {
        auto r = runProcess({CERTAGENT_CLI, "--json", "reminders"}, env, {}, 30);
        return json::parse(r.out, nullptr, false);
    }
    std::string stateOfTheReminder() {
        auto j = reminders();
        auto list = j.is_object() ? j.value("reminders", json::array()) : j;
        for (const auto& r : list)
            if (r.is_object() && r.value("cert", "") != "") return r.value("state", "");
        return "<none>";
    }

    TempDir tmp{"gui-daemon"};
    SoftHsm hsm;
    DesktopSession desktop{tmp.path()};
    std::vector<std::string> env;
};

TEST_F(DaemonOnADesktop, NotifiesThroughTheDesktopAndActsOnTheChosenButton) {
    BackgroundProcess daemon({CERTAGENT_CLI, "daemon"}, env, tmp / "daemon.log");
    ASSERT_TRUE(waitUntil([&] {
        auto n = desktop.notifications();
        return n.find("member=Notify") != std::string::npos &&
               n.find("Ion Popescu") != std::string::npos;
    }, 30s)) << readFile(tmp / "daemon.log") << desktop.notifications();
    auto n = desktop.notifications();
    EXPECT_NE(n.find("Remind me tomorrow"), std::string::npos) << n;
    EXPECT_NE(n.find("Renew now"), std::string::npos);
    EXPECT_NE(n.find("string \"default\""), std::string::npos);  // a click means "take me there"

    // "Remind me tomorrow" chosen in dunst's menu: the daemon snoozes the reminder.
    ASSERT_TRUE(desktop.chooseNotificationAction("Remind me tomorrow")) << desktop.notifications();
    EXPECT_TRUE(waitUntil([&] { return stateOfTheReminder() == "snoozed"; }, 15s))
        << reminders().dump(2) << readFile(tmp / "daemon.log");
    EXPECT_TRUE(daemon.running());
}

TEST_F(DaemonOnADesktop, RenewNowOpensTheTrayWizardWhichTakesOverFromTheDaemon) {
    BackgroundProcess daemon({CERTAGENT_CLI, "daemon"}, env, tmp / "daemon.log");
    ASSERT_TRUE(waitUntil([&] {
        return desktop.notifications().find("Renew now") != std::string::npos;
    }, 30s)) << readFile(tmp / "daemon.log");
    ASSERT_TRUE(desktop.chooseNotificationAction("Renew now"));
    // The tray app comes up with the wizard, and the daemon hands over (exits cleanly).
    EXPECT_TRUE(waitUntil([&] {
        return desktop.run({"xdotool", "search", "--name", "Renew certificate"}).exit_code == 0;
    }, 30s)) << readFile(tmp / "daemon.log");
    EXPECT_EQ(daemon.wait(15s), 0) << readFile(tmp / "daemon.log");
    EXPECT_NE(readFile(tmp / "state" / "agent.lock").find("tray"), std::string::npos);
    // The tray started by the daemon is ours to stop.
    auto lock = readFile(tmp / "state" / "agent.lock");
    int pid = std::atoi(lock.c_str());
    ASSERT_GT(pid, 0);
    // SIGTERM (a logout) quits it cleanly: the lock is released. Orphaned, it may linger as a
    // zombie where nothing reaps it, so "gone" is: no process, or a zombie.
    ::kill(pid, SIGTERM);
    EXPECT_TRUE(waitUntil([&] {
        if (::kill(pid, 0) != 0) return true;
        auto stat = readFile("/proc/" + std::to_string(pid) + "/stat");
        auto close = stat.rfind(')');
        return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] == 'Z';
    }, 10s));
    // The lock is free again (flock(1) from util-linux takes it at once).
    EXPECT_EQ(runProcess({"flock", "-n", (tmp / "state" / "agent.lock").string(), "true"}, env, {},
                         10).exit_code,
              0);
}

}  // namespace
}  // namespace certagent::testing
