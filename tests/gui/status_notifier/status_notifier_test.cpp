// certagent as a StatusNotifierItem, in Romanian, against a SoftHSM2 token whose certificate
// expires in 10 days: the item registers with the session's watcher, says NeedsAttention with the
// "expiring" icon and the tray's tooltip, exports the tray's menu over com.canonical.dbusmenu,
// and "Reînnoiește acum…" clicked through the host opens the renewal wizard. No XEmbed tray
// runs, so an icon can only come from the StatusNotifierItem.
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "background_process.hpp"
#include "softhsm.hpp"
#include "temp_dir.hpp"

namespace certagent::testing {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using json = nlohmann::json;

std::string guiBinary() {
    const char* b = std::getenv("CERTAGENT_TEST_GUI_BINARY");
    return b && *b ? std::string(b) : std::string(CERTAGENT_GUI_BINARY);
}

// The watcher's log: one JSON object a line.
std::vector<json> events(const fs::path& log) {
    std::vector<json> out;
    std::istringstream in(fs::exists(log) ? readFile(log) : "");
    std::string line;
    while (std::getline(in, line))
        if (auto j = json::parse(line, nullptr, false); j.is_object()) out.push_back(j);
    return out;
}

std::optional<json> lastEvent(const fs::path& log, const std::string& kind) {
    std::optional<json> found;
    for (auto& e : events(log))
        if (e["event"] == kind) found = e;
    return found;
}

// Labels of a dbusmenu layout / of the menu dump, depth first, separators left out.
void layoutLabels(const json& node, std::vector<std::string>& out) {
    for (const auto& c : node["children"]) {
        const auto& p = c["properties"];
        if (p.value("type", "") != "separator") out.push_back(p.value("label", ""));
        layoutLabels(c, out);
    }
}
void dumpLabels(const json& items, std::vector<std::string>& out) {
    for (const auto& i : items) {
        if (i["kind"] != "separator") out.push_back(i["label"]);
        if (i.contains("children")) dumpLabels(i["children"], out);
    }
}
const json* byLabel(const json& node, const std::string& label) {
    for (const auto& c : node["children"]) {
        if (c["properties"].value("label", "") == label) return &c;
        if (auto* f = byLabel(c, label)) return f;
    }
    return nullptr;
}

class StatusNotifierTray : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        tmp_ = new TempDir("gui-sni");
        hsm_ = new SoftHsm();
        auto& token = hsm_->createToken("Ion token");
        hsm_->addCertificate(token, {.commonName = "Ion Popescu", .notAfterDays = 10,
                                     .qualified = true});
        for (int n = 60 + getpid() % 40; n < 200; ++n)
            if (!fs::exists("/tmp/.X11-unix/X" + std::to_string(n)) &&
                !fs::exists("/tmp/.X" + std::to_string(n) + "-lock")) {
                display_ = ":" + std::to_string(n);
                break;
            }
        xvfb_ = new BackgroundProcess({"Xvfb", display_, "-screen", "0", "800x600x24",
                                       "-nolisten", "tcp"},
                                      {}, tmp_->path() / "xvfb.log");
        waitUntil([] { return fs::exists("/tmp/.X11-unix/X" + display_.substr(1)); }, 10s);
        auto busLog = tmp_->path() / "bus.log";
        bus_ = new BackgroundProcess({"dbus-daemon", "--session", "--nofork", "--print-address=1"},
                                     {}, busLog);
        waitUntil([&] { return readFile(busLog).find("unix:") != std::string::npos; }, 10s);
        address_ = readFile(busLog);
        address_.erase(address_.find_last_not_of("\r\n") + 1);
    }
    static void TearDownTestSuite() {
        delete bus_;
        delete xvfb_;
        delete hsm_;
        delete tmp_;
    }

    static std::vector<std::string> env() {
        return {"DISPLAY=" + display_, "DBUS_SESSION_BUS_ADDRESS=" + address_, "NO_AT_BRIDGE=1"};
    }

    static ProcessResult run(std::vector<std::string> argv, int timeout_s = 10) {
        return runProcess(argv, env(), {}, timeout_s);
    }

    std::unique_ptr<BackgroundProcess> startWatcher(const fs::path& log) {
        auto w = std::make_unique<BackgroundProcess>(
            std::vector<std::string>{"/usr/bin/python3", CERTAGENT_SNI_HOST, "watch", log.string()},
            env(), log.string() + ".err");
        EXPECT_TRUE(waitUntil([&] { return lastEvent(log, "watching").has_value(); }, 10s))
            << readFile(log.string() + ".err");
        return w;
    }

    std::unique_ptr<BackgroundProcess> startAgent(const std::string& name) {
        home_ = tmp_->path() / name;
        for (auto d : {"config", "state", "runtime", "xdgstate"}) fs::create_directories(home_ / d);
        fs::permissions(home_ / "runtime", fs::perms::owner_all);
        writeFile(home_ / "agent.toml",
                  "[pkcs11]\nextra_modules = [\"" + SoftHsm::modulePath().string() +
                      "\"]\nuse_p11_kit = false\n[ui]\nautostart = false\nlanguage = \"ro\"\n"
                      "[devices]\npoll_interval_seconds = 2\n");
        auto e = env();
        for (auto& v : hsm_->env()) e.push_back(v);
        for (auto& v : std::vector<std::string>{
                 "CERTAGENT_CONFIG=" + (home_ / "agent.toml").string(),
                 "CERTAGENT_POLICY_FILE=" + (home_ / "no-policy.toml").string(),
                 "CERTAGENT_STATE_DIR=" + (home_ / "state").string(),
                 "XDG_CONFIG_HOME=" + (home_ / "config").string(),
                 "XDG_STATE_HOME=" + (home_ / "xdgstate").string(),
                 "XDG_RUNTIME_DIR=" + (home_ / "runtime").string(),
                 "CERTAGENT_GUI_MENU_DUMP=" + (home_ / "menu.json").string(), "LANG=C.UTF-8"})
            e.push_back(v);
        return std::make_unique<BackgroundProcess>(std::vector<std::string>{guiBinary()}, e,
                                                   home_ / "certagent.log");
    }

    json menuDump() const {
        auto f = home_ / "menu.json";
        return fs::exists(f) ? json::parse(readFile(f), nullptr, false) : json();
    }
    bool menuListsCertificate() const {
        auto d = menuDump();
        return d.is_object() && d["menu"].dump().find("Ion Popescu") != std::string::npos;
    }
    std::string appLog() const { return readFile(home_ / "certagent.log"); }

    json inspect(const std::string& service) {
        auto r = run({"/usr/bin/python3", CERTAGENT_SNI_HOST, "inspect", service,
                      "/StatusNotifierItem"});
        EXPECT_EQ(r.exit_code, 0) << r.err;
        return json::parse(r.out, nullptr, false);
    }

    static TempDir* tmp_;
    static SoftHsm* hsm_;
    static BackgroundProcess* xvfb_;
    static BackgroundProcess* bus_;
    static std::string display_, address_;
    fs::path home_;
};
TempDir* StatusNotifierTray::tmp_ = nullptr;
SoftHsm* StatusNotifierTray::hsm_ = nullptr;
BackgroundProcess* StatusNotifierTray::xvfb_ = nullptr;
BackgroundProcess* StatusNotifierTray::bus_ = nullptr;
std::string StatusNotifierTray::display_, StatusNotifierTray::address_;

TEST_F(StatusNotifierTray, RegistersShowsTheStateAndItsMenuOpensTheRenewalWizard) {
    auto log = tmp_->path() / "watcher.log";
    auto watcher = startWatcher(log);
    auto agent = startAgent("main");
    ASSERT_TRUE(waitUntil([&] { return lastEvent(log, "registered").has_value(); }, 20s))
        << appLog();
    ASSERT_TRUE(waitUntil([&] { return menuListsCertificate(); }, 30s)) << appLog();
    auto registered = *lastEvent(log, "registered");
    const std::string service = registered["service"];
    EXPECT_EQ(service.rfind("org.kde.StatusNotifierItem-", 0), 0u) << service;
    EXPECT_EQ(menuDump()["tray_protocol"], "sni");

    // Status, icon and tooltip: the tray's own presentation (a certificate expires in 10 days).
    json item;
    ASSERT_TRUE(waitUntil([&] {
        item = inspect(service);
        return item.is_object() && item["properties"]["IconName"] == "certagent-expiring";
    }, 10s)) << item.dump(2);
    const auto& p = item["properties"];
    EXPECT_EQ(p["Status"], "NeedsAttention");
    EXPECT_EQ(p["Id"], "certagent");
    EXPECT_EQ(p["Category"], "ApplicationStatus");
    EXPECT_TRUE(p["ItemIsMenu"].get<bool>());
    EXPECT_EQ(p["Menu"], "/MenuBar");
    bool has22 = false;
    for (const auto& px : p["IconPixmap"])
        has22 |= px == json::array({22, 22, 22 * 22 * 4});
    EXPECT_TRUE(has22) << p["IconPixmap"].dump();
    EXPECT_EQ(p["ToolTip"]["title"], "certagent");
    const std::string tooltip = menuDump()["tooltip"];
    EXPECT_EQ("certagent\n" + p["ToolTip"]["body"].get<std::string>(), tooltip);
    EXPECT_NE(tooltip.find("Ion Popescu"), std::string::npos);

    // The menu over dbusmenu is the tray's menu model, item for item, in Romanian.
    EXPECT_EQ(item["menu_version"], 3);
    std::vector<std::string> exported, model;
    layoutLabels(item["layout"], exported);
    dumpLabels(menuDump()["menu"], model);
    EXPECT_EQ(exported, model);
    auto* renew = byLabel(item["layout"], "Reînnoiește acum…");
    ASSERT_TRUE(renew) << item["layout"].dump(2);
    EXPECT_FALSE(renew->at("properties").contains("enabled"));  // enabled (the default)

    // A click through the host opens the renewal wizard.
    auto click = run({"/usr/bin/python3", CERTAGENT_SNI_HOST, "click", service, "/MenuBar",
                      std::to_string(renew->at("id").get<int>())});
    ASSERT_EQ(click.exit_code, 0) << click.err;
    EXPECT_TRUE(waitUntil([&] {
        return run({"xdotool", "search", "--name", "Reînnoiește certificatul"}).exit_code == 0;
    }, 15s)) << appLog();

    // An id the menu never had is an error, not an action.
    auto bogus = run({"/usr/bin/python3", CERTAGENT_SNI_HOST, "click", service, "/MenuBar",
                      "987654"});
    EXPECT_NE(bogus.exit_code, 0);

    // "Ieșire" quits; the item leaves the watcher with the app.
    auto* quit = byLabel(item["layout"], "Ieșire");
    ASSERT_TRUE(quit);
    run({"/usr/bin/python3", CERTAGENT_SNI_HOST, "click", service, "/MenuBar",
         std::to_string(quit->at("id").get<int>())});
    EXPECT_EQ(agent->wait(15s), 0) << appLog();
    EXPECT_TRUE(waitUntil([&] { return lastEvent(log, "unregistered").has_value(); }, 5s));
    EXPECT_EQ(appLog().find("Sanitizer"), std::string::npos) << appLog();
}

TEST_F(StatusNotifierTray, RegistersAgainWhenTheWatcherRestartsAndTellsHostsWhatChanged) {
    auto first = tmp_->path() / "watcher-1.log";
    auto watcher = startWatcher(first);
    auto agent = startAgent("restart");
    ASSERT_TRUE(waitUntil([&] { return lastEvent(first, "registered").has_value(); }, 20s))
        << appLog();
    ASSERT_TRUE(waitUntil([&] { return menuListsCertificate(); }, 30s)) << appLog();
    // The first token read changed the icon, the status and the menu: hosts were told.
    std::set<std::string> signals;
    ASSERT_TRUE(waitUntil([&] {
        signals.clear();
        for (auto& e : events(first))
            if (e["event"] == "signal") signals.insert(e["name"].get<std::string>());
        return signals.count("NewStatus") && signals.count("LayoutUpdated");
    }, 10s));
    EXPECT_TRUE(signals.count("NewIcon"));
    EXPECT_TRUE(signals.count("NewToolTip"));

    // A desktop shell restart: the watcher goes and a new one comes.
    watcher->stop();
    auto second = tmp_->path() / "watcher-2.log";
    auto again = startWatcher(second);
    ASSERT_TRUE(waitUntil([&] { return lastEvent(second, "registered").has_value(); }, 10s))
        << appLog();
    EXPECT_EQ((*lastEvent(second, "registered"))["service"],
              (*lastEvent(first, "registered"))["service"]);
    EXPECT_TRUE(agent->running());
    agent->stop();
}

}  // namespace
}  // namespace certagent::testing
