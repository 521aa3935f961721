// The composition root (core/app) on a real SoftHSM2 token and a real state folder: every area
// starts and says so, the local server starts and stops with its state on the bus, a second
// agent on the same folder is refused, the tray takes over from a running daemon, notification
// choices reach the areas, and a renewal left unfinished is shown before anything asks a PIN.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "agent_options.hpp"
#include "background_process.hpp"
#include "certagent/core/app/app.hpp"
#include "certagent/core/error.hpp"
#include "certagent/core/events.hpp"
#include "certagent/core/i18n.hpp"
#include "journal.hpp"
#include "softhsm.hpp"
#include "temp_dir.hpp"

namespace certagent::testing {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using json = nlohmann::json;

int freePort() {
    auto r = runProcess({"python3", "-c",
                         "import socket;s=socket.socket();s.bind(('127.0.0.1',0));"
                         "print(s.getsockname()[1])"});
    return std::atoi(r.out.c_str());
}

class RecordingNotifier final : public Notifier {
public:
    bool notify(const json& n) override {
        std::lock_guard l(m);
        shown.push_back(n);
        return true;
    }
    std::vector<json> all() {
        std::lock_guard l(m);
        return shown;
    }
    std::mutex m;
    std::vector<json> shown;
};

class AppTest : public ::testing::Test {
protected:
    void SetUp() override {
        i18n::setLanguage("en");
        hsm.activate();
        auto& token = hsm.createToken("Titular");
        serial = token.serial;
        cert = hsm.addCertificate(token, {.commonName = "Ion Popescu", .notAfterDays = 10,
                                          .qualified = true})
                   .idHex;
        port = freePort();
        writeFile(dir / "agent.toml",
                  "[pkcs11]\nextra_modules = [\"" + SoftHsm::modulePath().string() +
                      "\"]\nuse_p11_kit = false\n[server]\nenabled = true\nport = " +
                      std::to_string(port) + "\n[devices]\npoll_interval_seconds = 60\n");
    }

    AgentOptions options() { return isolatedAgentOptions(dir.path()); }

    app::Adapters adapters(const std::string& program) {
        app::Adapters a;
        a.program = program;
        a.notifier = notifier;
        a.pin = [this](const token::PinRequest&) -> std::optional<SecretString> {
            ++pinAsked;
            return SecretString(hsm.tokens().front()->pin);
        };
        return a;
    }

    void record(app::App& a, const std::string& types) {
        a.agent().bus().subscribe(types, [this](const json& e) {
            std::lock_guard l(m);
            events.push_back(e);
        });
    }
    std::vector<json> eventsOf(const std::string& type, const std::string& action = {}) {
        std::lock_guard l(m);
        std::vector<json> out;
        for (const auto& e : events)
            if (e.value("type", "") == type && (action.empty() || e.value("action", "") == action))
                out.push_back(e);
        return out;
    }

    TempDir dir{"certagent-app"};
    SoftHsm hsm;
    std::string serial, cert;
    int port = 0;
    std::shared_ptr<RecordingNotifier> notifier = std::make_shared<RecordingNotifier>();
    std::atomic<int> pinAsked{0};
    std::mutex m;
    std::vector<json> events;
};

TEST_F(AppTest, EveryAreaStartsOnceInOrderAndSaysWhatItDoes) {
    app::App a(options(), adapters("daemon"));
    record(a, events::kLocalServerState);
    auto areas = a.start();
    std::vector<std::string> names;
    for (const auto& area : areas) {
        names.push_back(area.name);
        EXPECT_TRUE(area.started) << area.name << ": " << area.detail;
    }
    // The flows are plugins (plugins/flows/*), not areas; the trusted list's refresh is
    // verification's own (core).
    EXPECT_EQ(names,
              (std::vector<std::string>{"tokens", "trusted-list", "local-server", "devices"}));
    // No [verify] trusted_list_url: the trusted list's refresh says it is off.
    EXPECT_NE(areas[1].detail.find("off"), std::string::npos) << areas[1].detail;
    EXPECT_NE(areas[2].detail.find(std::to_string(port)), std::string::npos) << areas[2].detail;
    // Without a consent dialog, "ask" (the default) refuses.
    EXPECT_EQ(a.server().status().consent, "refuse");
    EXPECT_TRUE(a.devicesRunning());
    // A second start() starts nothing again.
    EXPECT_EQ(a.start().size(), 4u);
    // The flows are the plugins' (plugins/flows/*): core offers them only extensions.
    EXPECT_EQ(pinAsked, 0);
}

TEST_F(AppTest, TheLocalServerStartsAndStopsAndSaysSoOnTheBus) {
    app::App a(options(), adapters("tray"));
    record(a, events::kLocalServerState);
    a.start();
    ASSERT_TRUE(a.server().status().running);
    a.server().stop();
    EXPECT_FALSE(a.server().status().running);
    auto again = a.server().start();
    EXPECT_TRUE(again.running);
    EXPECT_EQ(again.port, port);
    ASSERT_TRUE(waitUntil([&] { return eventsOf(events::kLocalServerState).size() == 3; }, 5s));
    auto states = eventsOf(events::kLocalServerState);
    EXPECT_TRUE(states[0]["running"].get<bool>());
    EXPECT_FALSE(states[1]["running"].get<bool>());
    EXPECT_EQ(states[2]["port"], port);

    // A port someone else holds: a clear error, the state says why, nothing half-started.
    a.server().stop();
    BackgroundProcess holder({"python3", "-c",
                              "import socket,time;s=socket.socket();"
                              "s.bind(('127.0.0.1'," + std::to_string(port) +
                                  "));s.listen();print('bound',flush=True);time.sleep(60)"},
                             {}, dir / "holder.log");
    ASSERT_TRUE(waitUntil([&] { return readFile(dir / "holder.log").find("bound") !=
                                       std::string::npos; }, 10s));
    EXPECT_THROW(a.server().start(), Error);
    EXPECT_FALSE(a.server().status().running);
    EXPECT_FALSE(a.server().status().error.empty());
    ASSERT_TRUE(waitUntil([&] { return eventsOf(events::kLocalServerState).size() == 5; }, 5s));
    auto last = eventsOf(events::kLocalServerState).back();
    EXPECT_FALSE(last["running"].get<bool>());
    EXPECT_TRUE(last.contains("error"));
}

TEST_F(AppTest, ASecondAgentOnTheSameStateFolderIsRefusedNamingTheFirst) {
    app::App first(options(), adapters("daemon"));
    try {
        app::App second(options(), adapters("daemon"));
        FAIL() << "the second agent started";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::State);
        EXPECT_NE(std::string(e.what()).find("the daemon (PID " + std::to_string(getpid())),
                  std::string::npos)
            << e.what();
        EXPECT_EQ(e.where(), (dir / "state").string());
    }
}

TEST_F(AppTest, TheTrayTakesOverFromARunningDaemon) {
    auto env = hsm.env();
    env.push_back("CERTAGENT_CONFIG=" + (dir / "agent.toml").string());
    env.push_back("CERTAGENT_STATE_DIR=" + (dir / "state").string());
    env.push_back("CERTAGENT_POLICY_FILE=" + (dir / "none-policy.toml").string());
    env.push_back("XDG_CONFIG_HOME=" + (dir / "xdg").string());
    env.push_back("DBUS_SESSION_BUS_ADDRESS=unix:path=" + (dir / "no-bus").string());
    BackgroundProcess daemon({CERTAGENT_CLI, "daemon"}, env, dir / "daemon.log");
    ASSERT_TRUE(waitUntil(
        [&] {
            return fs::exists(dir / "state" / "agent.lock") &&
                   readFile(dir / "state" / "agent.lock").find("daemon") != std::string::npos;
        },
        20s))
        << readFile(dir / "daemon.log");
    app::App tray(options(), adapters("tray"));  // asks the daemon to stop, waits, takes over
    EXPECT_EQ(daemon.wait(5s), 0) << readFile(dir / "daemon.log");
    EXPECT_NE(readFile(dir / "state" / "agent.lock").find("tray"), std::string::npos);
    // And a daemon never takes over from the tray.
    auto r = runProcess({CERTAGENT_CLI, "daemon"}, env, {}, 20);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("the tray app (PID"), std::string::npos) << r.err;
}

TEST_F(AppTest, NotificationChoicesReachTheAreasAndRenewOpensTheWindowOnly) {
    app::App a(options(), adapters("tray"));
    record(a, events::kUserAction);
    json n = {{"title", "t"}, {"token", serial}, {"cert", cert}, {"fingerprint", "ab"}};
    auto snooze = a.onNotificationChoice(n, {{"action", "snooze"}, {"args", {{"days", 3}}}});
    EXPECT_FALSE(snooze.openRenewal);
    auto renew = a.onNotificationChoice(n, {{"action", "renew"}});
    EXPECT_TRUE(renew.openRenewal);
    EXPECT_EQ(renew.token, serial);
    EXPECT_EQ(renew.cert, cert);
    auto click = a.onNotificationChoice(n, {{"action", "open"}});
    EXPECT_TRUE(click.openRenewal);
    auto elsewhere = a.onNotificationChoice({{"title", "t"}}, {{"action", "open"}});
    EXPECT_FALSE(elsewhere.openRenewal);

    ASSERT_TRUE(waitUntil([&] { return eventsOf(events::kUserAction).size() == 3; }, 5s));
    auto snoozes = eventsOf(events::kUserAction, "snooze");
    ASSERT_EQ(snoozes.size(), 1u);
    EXPECT_EQ(snoozes[0]["args"]["days"], 3);
    EXPECT_EQ(snoozes[0]["source"], "tray");
    EXPECT_EQ(snoozes[0]["fingerprint"], "ab");
    // "Renew now" does not start a renewal before the person chose years and the ID card: it
    // acknowledges the reminder, and the window does the rest.
    EXPECT_TRUE(eventsOf(events::kUserAction, "renew").empty());
    EXPECT_EQ(eventsOf(events::kUserAction, "acknowledge").size(), 2u);
}

// The renewal plugin (plugins/flows/renewal), loaded by the composition root, finds the
// renewal in its own journal once the agent has started.
TEST_F(AppTest, AnUnfinishedRenewalIsShownWithItsContextBeforeAnyPinIsAsked) {
    auto o = options();
    o.before_plugins = [](Agent& agent) {
        ASSERT_TRUE(agent.plugins().loadFile(CERTAGENT_RENEWAL_PLUGIN));
    };
    app::App a(std::move(o), adapters("tray"));
    record(a, std::string(events::kRenewalProgress) + "," + events::kUserAction);
    {
        auto folder = dir / "state" / "plugins" / "renewal";
        fs::create_directories(folder);
        renewal::Journal journal(folder / "journal.sqlite", [] { return int64_t{1'700'000'000'000}; });
        renewal::RenewalRecord draft;
        draft.token = serial;
        draft.certId = cert;
        draft.commonName = "Ion Popescu";
        draft.years = 2;
        draft.backend = "portal";
        auto r = journal.create(draft);
        r.step = renewal::Step::Request;
        r.phase = "payment";
        r.state = renewal::State::Waiting;
        r.message = "waiting for the payment";
        journal.save(r);
    }
    a.start();
    ASSERT_TRUE(waitUntil([&] { return !eventsOf(events::kRenewalProgress).empty(); }, 5s));
    auto shown = eventsOf(events::kRenewalProgress);
    EXPECT_TRUE(shown[0]["interrupted"].get<bool>());
    EXPECT_EQ(shown[0]["step"], "request");
    EXPECT_EQ(shown[0]["phase"], "payment");
    EXPECT_EQ(shown[0]["stage"], "payment");
    EXPECT_EQ(shown[0]["state"], "waiting");
    EXPECT_NE(shown[0]["next"].get<std::string>().find("PIN"), std::string::npos);
    json notice;
    for (const auto& n : notifier->all())
        if (n.value("renewal_id", "") == shown[0]["renewal_id"]) notice = n;
    ASSERT_TRUE(notice.is_object());
    EXPECT_NE(notice["title"].get<std::string>().find("Ion Popescu"), std::string::npos);
    EXPECT_NE(notice["body"].get<std::string>().find("Payment"), std::string::npos);
    ASSERT_EQ(notice["actions"][0]["action"], "renewal.resume");

    // Nothing runs by itself: no more progress, no PIN, for a while.
    std::this_thread::sleep_for(1500ms);
    EXPECT_EQ(eventsOf(events::kRenewalProgress).size(), 1u);
    EXPECT_EQ(pinAsked, 0);

    // "Continue the renewal" on the notification: the engine runs again.
    a.onNotificationChoice(notice, notice["actions"][0]);
    EXPECT_TRUE(waitUntil([&] { return eventsOf(events::kRenewalProgress).size() > 1; }, 10s));
    auto after = eventsOf(events::kRenewalProgress).back();
    EXPECT_FALSE(after.value("interrupted", false));
}

// The SDK's example flow, built out of tree against the installed SDK (what the certagent-dev
// package ships), loaded by the composition root like any plugin: it reads the certificates
// (certagent.tokens/1), keeps state (certagent.state/1), shows a notification with an action
// (certagent.ui/1) and reacts when the person chooses it (a UserAction naming it).
TEST_F(AppTest, AThirdPartyFlowBuiltAgainstTheInstalledSdkHasTheSamePowers) {
    auto prefix = dir / "sdk-prefix";
    auto build = dir / "hello-build";
    auto r = runProcess({"cmake", "--install", binaryDir().string(), "--component", "sdk",
                         "--prefix", prefix.string()}, {}, {}, 60);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = runProcess({"cmake", "-S", (sourceDir() / "sdk/examples/hello-flow").string(), "-B",
                    build.string(), "-G", "Ninja", "-DCMAKE_PREFIX_PATH=" + prefix.string(),
                    "-DCMAKE_BUILD_TYPE=Release"}, {}, {}, 120);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    r = runProcess({"cmake", "--build", build.string()}, {}, {}, 300);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    fs::permissions(build, fs::perms::group_write | fs::perms::others_write,
                    fs::perm_options::remove);
    writeFile(dir / "agent.toml", readFile(dir / "agent.toml") + "[plugins]\ndirs = [\"" +
                                      build.string() + "\"]\n");
    auto o = options();
    o.load_plugins = true;
    app::App a(o, adapters("tray"));
    auto* hello = a.agent().plugins().find("hello-flow");
    ASSERT_NE(hello, nullptr);
    record(a, "HelloWaved");

    auto message = a.runPluginAction({{"action", "plugin"}, {"plugin", "hello-flow"},
                                      {"id", "hello"}});
    ASSERT_TRUE(message.has_value());
    EXPECT_EQ(*message, "Hello sent");
    EXPECT_EQ(a.agent().store().get("plugin:hello-flow", "certificates_seen").value_or(""), "1");
    json notice;
    for (const auto& n : notifier->all())
        if (n.value("plugin", "") == "hello-flow") notice = n;
    ASSERT_TRUE(notice.is_object());
    EXPECT_NE(notice["body"].get<std::string>().find("Ion Popescu"), std::string::npos);
    ASSERT_EQ(notice["actions"][0]["action"], "wave");

    a.onNotificationChoice(notice, notice["actions"][0]);
    ASSERT_TRUE(waitUntil([&] { return !eventsOf("HelloWaved").empty(); }, 5s));
    EXPECT_EQ(eventsOf("HelloWaved")[0]["source"], "hello-flow");
    EXPECT_EQ(a.agent().store().get("plugin:hello-flow", "waved").value_or(""), "yes");
}

}  // namespace
}  // namespace certagent::testing
