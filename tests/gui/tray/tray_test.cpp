// certagent under Xvfb + trayer + dunst, against a SoftHSM2 token whose certificate expires in
// 10 days: the icon docks in the tray, the menu lists the certificate, a reminder notification
// goes out on D-Bus, a second start leaves the first one alone. Screenshots go to
// $CERTAGENT_SCREENSHOT_DIR when set (tests/gui/tray/screenshots.sh refreshes docs/screenshots).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "desktop_session.hpp"
#include "softhsm.hpp"

namespace certagent::testing {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using json = nlohmann::json;

fs::path screenshotDir(const TempDir& tmp) {
    const char* d = std::getenv("CERTAGENT_SCREENSHOT_DIR");
    return d && *d ? fs::path(d) : tmp.path() / "shots";
}

class TrayApp : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        tmp_ = new TempDir("gui-tray");
        hsm_ = new SoftHsm();
        auto& token = hsm_->createToken("Ion token");
        hsm_->addCertificate(token, {.commonName = "Ion Popescu", .notAfterDays = 10,
                                     .qualified = true});
        desktop_ = new DesktopSession(tmp_->path());
    }
    static void TearDownTestSuite() {
        delete desktop_;
        delete hsm_;
        delete tmp_;
    }

    // Starts certagent with its own config, state, XDG dirs and runtime dir.
    std::unique_ptr<BackgroundProcess> startAgent(const std::string& name,
                                                  std::vector<std::string> extraEnv = {}) {
        auto home = tmp_->path() / name;
        for (auto d : {"config", "state", "runtime", "xdgstate"}) fs::create_directories(home / d);
        fs::permissions(home / "runtime", fs::perms::owner_all);
        writeFile(home / "agent.toml",
                  "[pkcs11]\nextra_modules = [\"" + SoftHsm::modulePath().string() +
                      "\"]\nuse_p11_kit = false\n[ui]\nautostart = false\n"
                      "[devices]\npoll_interval_seconds = 2\n");
        dump_ = home / "menu.json";
        auto env = desktop_->env();
        for (auto& e : hsm_->env()) env.push_back(e);
        for (auto& e : std::vector<std::string>{
                 "CERTAGENT_CONFIG=" + (home / "agent.toml").string(),
                 "CERTAGENT_POLICY_FILE=" + (home / "no-policy.toml").string(),
                 "CERTAGENT_STATE_DIR=" + (home / "state").string(),
                 "XDG_CONFIG_HOME=" + (home / "config").string(),
                 "XDG_STATE_HOME=" + (home / "xdgstate").string(),
                 "XDG_RUNTIME_DIR=" + (home / "runtime").string(),
                 "CERTAGENT_GUI_MENU_DUMP=" + dump_.string(), "LANGUAGE=en", "LANG=C.UTF-8",
                 "NO_AT_BRIDGE=1"})
            env.push_back(e);
        for (auto& e : extraEnv) env.push_back(e);
        return std::make_unique<BackgroundProcess>(std::vector<std::string>{guiBinary()},
                                                   env, home / "certagent.log");
    }

    // The app under AddressSanitizer/UBSan (tests/run.sh's second GUI run) writes any report to
    // its log; an aborted app may otherwise look like one that was stopped.
    void expectNoSanitizerReport(const std::string& name) const {
        auto log = readFile(tmp_->path() / name / "certagent.log");
        EXPECT_EQ(log.find("Sanitizer"), std::string::npos) << log;
    }

    json menuDump() const {
        if (!fs::exists(dump_)) return {};
        return json::parse(readFile(dump_), nullptr, false);
    }

    bool menuListsCertificate() const {
        auto d = menuDump();
        if (!d.is_object()) return false;
        // The certificate's own line (plugins may name the holder in their items earlier).
        for (const auto& item : d["menu"])
            if (item["id"].get<std::string>().rfind("cert:", 0) == 0 &&
                item["label"].get<std::string>().find("Ion Popescu") != std::string::npos)
                return true;
        return false;
    }

    static TempDir* tmp_;
    static SoftHsm* hsm_;
    static DesktopSession* desktop_;
    fs::path dump_;
};
TempDir* TrayApp::tmp_ = nullptr;
SoftHsm* TrayApp::hsm_ = nullptr;
DesktopSession* TrayApp::desktop_ = nullptr;

TEST_F(TrayApp, DocksInTheTrayListsTheCertificateAndSendsAReminder) {
    auto before = desktop_->trayChildren().size();
    auto agent = startAgent("main");
    ASSERT_TRUE(waitUntil([&] { return menuListsCertificate(); }, 30s))
        << readFile(tmp_->path() / "main" / "certagent.log");
    auto dump = menuDump();
    EXPECT_TRUE(dump["tray"].get<bool>());
    EXPECT_EQ(dump["state"], "expiring");
    EXPECT_NE(dump["tooltip"].get<std::string>().find("Ion Popescu, expires in "),
              std::string::npos);
    auto menu = dump["menu"].dump();
    EXPECT_NE(menu.find("— renew it soon"), std::string::npos);
    EXPECT_NE(menu.find("Renew now…"), std::string::npos);

    // The icon is embedded: trayer's panel gained a client window.
    ASSERT_TRUE(waitUntil([&] { return desktop_->trayChildren().size() > before; }, 10s))
        << desktop_->run({"xwininfo", "-root", "-tree"}).out;

    // The reminder went out through org.freedesktop.Notifications with a Renew now action.
    ASSERT_TRUE(waitUntil([&] {
        auto n = desktop_->notifications();
        return n.find("member=Notify") != std::string::npos &&
               n.find("Ion Popescu") != std::string::npos;
    }, 20s)) << desktop_->notifications();
    EXPECT_NE(desktop_->notifications().find("Renew now"), std::string::npos);

    auto shots = screenshotDir(*tmp_);
    desktop_->screenshot(shots / "tray.png");

    // Open the menu with a right click on the icon (its absolute position from xwininfo).
    auto children = desktop_->trayChildren();
    ASSERT_FALSE(children.empty());
    std::smatch m;
    auto line = children.back();
    for (const auto& c : children)
        if (c.find("\"certagent\"") != std::string::npos) line = c;
    ASSERT_TRUE(std::regex_search(line, m, std::regex(R"(\+(-?\d+)\+(-?\d+)\s*$)"))) << line;
    int x = std::stoi(m[1]) + 8, y = std::stoi(m[2]) + 8;
    auto windowsBefore = desktop_->run({"xwininfo", "-root", "-children"}).out;
    desktop_->run({"xdotool", "mousemove", std::to_string(x), std::to_string(y), "click", "3"});
    // A popup menu is a new override-redirect toplevel window.
    EXPECT_TRUE(waitUntil([&] {
        return desktop_->run({"xwininfo", "-root", "-children"}).out != windowsBefore;
    }, 5s));
    std::this_thread::sleep_for(500ms);
    desktop_->screenshot(shots / "tray-menu.png");
    desktop_->run({"xdotool", "key", "Escape"});

    // A second start tells the first one and exits; the first keeps running.
    auto second = startAgent("main");
    EXPECT_NE(second->wait(15s), -1) << "second instance did not exit";
    EXPECT_TRUE(agent->running());
    agent->stop();
    EXPECT_FALSE(agent->running());
    expectNoSanitizerReport("main");
}

TEST_F(TrayApp, PinDialogWarnsBeforeTheLastTry) {
    auto agent = startAgent("pin", {"CERTAGENT_GUI_SHOW=pin-final"});
    ASSERT_TRUE(waitUntil([&] {
        return desktop_->run({"xdotool", "search", "--name", "Token PIN"}).exit_code == 0;
    }, 30s)) << readFile(tmp_->path() / "pin" / "certagent.log");
    std::this_thread::sleep_for(700ms);
    desktop_->screenshot(screenshotDir(*tmp_) / "pin-dialog.png");
    EXPECT_TRUE(agent->running());
    agent->stop();
    expectNoSanitizerReport("pin");
}

TEST_F(TrayApp, RenewalWizardShowsTheStepsOfARenewal) {
    // What a renewal engine reports: identity and product done, the declaration waits.
    auto events = tmp_->path() / "renewal-events.jsonl";
    std::string tokenSerial;
    writeFile(events, "");
    auto agent = startAgent("wizard", {"CERTAGENT_GUI_SHOW=wizard"});
    ASSERT_TRUE(waitUntil([&] {
        return desktop_->run({"xdotool", "search", "--name", "Renew certificate"}).exit_code == 0;
    }, 30s)) << readFile(tmp_->path() / "wizard" / "certagent.log");
    std::this_thread::sleep_for(700ms);
    desktop_->screenshot(screenshotDir(*tmp_) / "renewal-wizard-start.png");
    agent->stop();

    // Same certificate with the progress replayed into the bus.
    auto d = menuDump();
    std::string renewId;
    for (auto& item : d["menu"])
        if (item["id"].get<std::string>().rfind("renew:", 0) == 0) renewId = item["id"];
    ASSERT_FALSE(renewId.empty());
    auto rest = renewId.substr(6);
    auto colon = rest.find(':');
    json e = {{"type", "RenewalProgress"}, {"renewal_id", "d54962f7"},
              {"token", rest.substr(0, colon)}, {"cert", rest.substr(colon + 1)}};
    std::string lines;
    for (auto [step, state, msg] : std::vector<std::tuple<std::string, std::string, std::string>>{
             {"identity", "done", "Identity card uploaded"},
             {"product", "done", "1 year, qualified certificate"},
             {"declaration", "waiting", "Read the declaration, then sign it with your token"}}) {
        auto x = e;
        x["step"] = step;
        x["state"] = state;
        x["message"] = msg;
        if (step == "declaration") x["declaration"] = (tmp_->path() / "declaration.pdf").string();
        lines += x.dump() + "\n";
    }
    writeFile(events, lines);
    auto again = startAgent("wizard", {"CERTAGENT_GUI_SHOW=wizard",
                                       "CERTAGENT_GUI_REPLAY=" + events.string()});
    ASSERT_TRUE(waitUntil([&] {
        return desktop_->run({"xdotool", "search", "--name", "Renew certificate"}).exit_code == 0;
    }, 30s));
    // The replayed events reach the menu one by one (slower under ASan): wait for the last.
    json dump;
    EXPECT_TRUE(waitUntil([&] {
        dump = menuDump();
        return dump["menu"].dump().find("Sign the declaration — waiting") != std::string::npos;
    }, 20s)) << dump.dump();
    desktop_->screenshot(screenshotDir(*tmp_) / "renewal-wizard.png");
    EXPECT_TRUE(again->running());
    again->stop();
    expectNoSanitizerReport("wizard");
}

}  // namespace
}  // namespace certagent::testing
