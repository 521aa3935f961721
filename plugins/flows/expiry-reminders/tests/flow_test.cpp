// The built expiry-reminders plugin loaded into a real Agent: ManualClock, real scheduler, bus,
// state folder and certagent.process/1, a recording notifier, and a scripted
// certagent.tokens/1 (the tokens the test says are connected).
#include <gtest/gtest.h>

#include <openssl/evp.h>

#include <condition_variable>
#include <map>
#include <mutex>

#include "agent_options.hpp"
#include "background_process.hpp"
#include "calendar.hpp"
#include "certagent/core/agent.hpp"
#include "certagent/core/app/extensions.hpp"
#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"
#include "temp_dir.hpp"

namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using certagent::testing::readFile;
using certagent::testing::TempDir;
using certagent::testing::waitUntil;
using certagent::testing::writeFile;
using TimePoint = std::chrono::system_clock::time_point;
constexpr auto kDay = std::chrono::hours(24);

TimePoint at(const std::string& iso) { return certagent::parseIso8601(iso); }

class ScopedTimeZone {
  public:
    explicit ScopedTimeZone(const std::string& tz) {
        ::setenv("TZ", tz.c_str(), 1);
        expiry_reminders::reloadTimeZone();
    }
    ~ScopedTimeZone() {
        ::unsetenv("TZ");
        expiry_reminders::reloadTimeZone();
    }
};

class RecordingNotifier final : public certagent::Notifier {
  public:
    bool notify(const json& n) override {
        std::lock_guard lock(m_);
        shown_.push_back(n);
        cv_.notify_all();
        return true;
    }
    // Waits until `count` notifications were shown (or 10 s passed).
    std::vector<json> waitFor(std::size_t count) {
        std::unique_lock lock(m_);
        cv_.wait_for(lock, 10s, [&] { return shown_.size() >= count; });
        return shown_;
    }
    std::size_t count() {
        std::lock_guard lock(m_);
        return shown_.size();
    }

  private:
    std::mutex m_;
    std::condition_variable cv_;
    std::vector<json> shown_;
};

// certagent.tokens/1 answering from a map the test fills (list and certificates only).
struct FakeTokens {
    std::mutex m;
    std::map<std::string, json> certificates;  // serial -> [certificate JSON]

    static FakeTokens& of(void* ctx) {
        return *static_cast<FakeTokens*>(
            certagent::pluginContext(ctx).services->extensionData(CA_EXT_TOKENS));
    }
    static void emit(ca_sink_fn sink, void* user, const json& j) {
        auto s = j.dump();
        sink(user, s.data(), s.size());
    }
    static ca_status list(void* ctx, ca_sink_fn sink, void* user) {
        auto& f = of(ctx);
        std::lock_guard lock(f.m);
        json out = json::array();
        for (const auto& [serial, _] : f.certificates)
            out.push_back({{"serial", serial}, {"label", "Token " + serial}});
        emit(sink, user, out);
        return CA_OK;
    }
    static ca_status certs(void* ctx, const char* args, ca_sink_fn sink, void* user) {
        auto& f = of(ctx);
        auto a = json::parse(args);
        std::lock_guard lock(f.m);
        json out = json::array();
        for (const auto& [serial, list] : f.certificates)
            if (!a.contains("token") || a["token"] == serial)
                for (const auto& c : list) out.push_back(c);
        emit(sink, user, out);
        return CA_OK;
    }
    void put(const std::string& serial, json list) {
        std::lock_guard lock(m);
        certificates[serial] = std::move(list);
    }
};
const ca_tokens_v1 kFakeTokens{sizeof(ca_tokens_v1), &FakeTokens::list, &FakeTokens::certs};

json certificate(const std::string& serial, const std::string& id, const std::string& cn,
                 TimePoint notAfter) {
    std::string der = "certificate " + serial + "/" + id + "/" + cn;
    std::string b64(4 * ((der.size() + 2) / 3) + 1, '\0');
    b64.resize(static_cast<size_t>(EVP_EncodeBlock(
        reinterpret_cast<unsigned char*>(b64.data()),
        reinterpret_cast<const unsigned char*>(der.data()), static_cast<int>(der.size()))));
    return {{"token", serial},
            {"id", id},
            {"label", cn},
            {"der", b64},
            {"subject", "CN=" + cn + ",O=Example,C=RO"},
            {"common_name", cn},
            {"issuer", "CN=Test Qualified CA,C=RO"},
            {"serial", id + "0f"},
            {"not_before", certagent::toIso8601(notAfter - 365 * kDay)},
            {"not_after", certagent::toIso8601(notAfter)},
            {"qualified", true},
            {"private_key", "present"}};
}

struct AgentFixture {
    TempDir dir{"certagent-reminders-flow"};
    std::shared_ptr<certagent::ManualClock> clock =
        std::make_shared<certagent::ManualClock>(at("2026-01-01T10:00:00Z"));
    std::shared_ptr<RecordingNotifier> notifier = std::make_shared<RecordingNotifier>();
    FakeTokens tokens;
    std::unique_ptr<certagent::Agent> agent;
    const certagent::LoadedPlugin* plugin = nullptr;
    std::mutex eventsMutex;
    std::vector<json> events;

    explicit AgentFixture(const std::string& extraConfig = {}) { configure(extraConfig); }
    ~AgentFixture() { certagent::log::setStderr(true); }
    void configure(const std::string& extraConfig) {
        writeFile(dir / "agent.toml", "[reminders]\ndays_before = [30, 7]\n" + extraConfig);
    }
    std::filesystem::path databaseFile() const {
        return dir / "state" / "plugins" / "expiry-reminders" / "reminders.sqlite3";
    }
    // The agent with the plugin loaded; `started`: the program's AgentStarted came.
    void start(bool started = true) {
        certagent::i18n::init("en");  // binds the catalogs; the agent then sets [ui] language
        certagent::log::setStderr(false);
        certagent::AgentOptions o = certagent::testing::isolatedAgentOptions(dir.path());
        o.clock = clock;
        o.notifier = notifier;
        o.before_plugins = [this](certagent::Agent& a) {
            certagent::app::installExtensions(a);
            a.services().registerExtension(CA_EXT_TOKENS, &kFakeTokens, &tokens);
        };
        agent = std::make_unique<certagent::Agent>(std::move(o));
        agent->bus().subscribe("ReminderDue,UserAction", [this](const json& e) {
            std::lock_guard lock(eventsMutex);
            events.push_back(e);
        });
        EXPECT_TRUE(agent->plugins().loadFile(CERTAGENT_REMINDERS_PLUGIN));
        plugin = agent->plugins().find("expiry-reminders");
        ASSERT_NE(plugin, nullptr);
        if (started) {
            agent->bus().publish({{"type", "AgentStarted"}, {"program", "daemon"}});
            settle();
        }
    }
    void stop() {
        plugin = nullptr;
        agent.reset();
    }
    // Everything published so far has been handled and the plugin's work is done.
    void settle() {
        for (int i = 0; i < 3; ++i) {
            agent->bus().drain();
            EXPECT_TRUE(waitUntil([&] { return plugin->held().jobs == 0; }, 10s));
        }
    }
    std::vector<json> eventsOf(const std::string& type) {
        agent->bus().drain();
        std::lock_guard lock(eventsMutex);
        std::vector<json> out;
        for (auto& e : events)
            if (e["type"] == type) out.push_back(e);
        return out;
    }
    json status() { return plugin->runAction("status", json::object())["reminders"]; }
};

}  // namespace

TEST(ReminderFlow, StartsNothingUntilTheAgentHasStartedThenSleepsUntilTheNextThreshold) {
    ScopedTimeZone tz("UTC");
    AgentFixture f;
    const auto notAfter = f.clock->now() + 40 * kDay;
    f.tokens.put("T1", json::array({certificate("T1", "01", "Ana", notAfter)}));
    f.start(/*started=*/false);
    // Loaded as a one-shot CLI command loads it: no timer, no job, only the AgentStarted wait.
    EXPECT_EQ(f.plugin->held().timers, 0u);
    EXPECT_EQ(f.plugin->held().jobs, 0u);
    EXPECT_EQ(f.plugin->held().subscriptions, 1u);
    f.agent->bus().publish({{"type", "AgentStarted"}, {"program", "daemon"}});
    f.settle();
    EXPECT_EQ(f.notifier->count(), 0u);
    EXPECT_EQ(f.plugin->held().timers, 1u);  // one timer, no polling

    const auto wakeups = f.agent->scheduler().wakeups();
    f.clock->set(expiry_reminders::thresholdStart(notAfter, 30));  // the timer fires
    auto shown = f.notifier->waitFor(1);
    ASSERT_EQ(shown.size(), 1u);
    EXPECT_EQ(shown[0]["title"], "Your qualified certificate expires in 30 days");
    EXPECT_EQ(shown[0]["urgency"], "normal");
    EXPECT_EQ(shown[0]["token"], "T1");
    EXPECT_EQ(shown[0]["plugin"], "expiry-reminders");  // set by the host
    EXPECT_EQ(shown[0]["actions"].size(), 4u);
    f.settle();
    auto due = f.eventsOf("ReminderDue");
    ASSERT_EQ(due.size(), 1u);
    EXPECT_EQ(due[0]["threshold"], 30);
    EXPECT_EQ(due[0]["days_left"], 30);
    EXPECT_EQ(due[0]["source"], "expiry-reminders");
    EXPECT_LT(f.agent->scheduler().wakeups() - wakeups, 10u);
    EXPECT_EQ(f.plugin->held().timers, 1u);  // the 7-day step next
}

TEST(ReminderFlow, TokenInsertedRemindsAndTheAnswersToItsNotificationChangeState) {
    ScopedTimeZone tz("UTC");
    AgentFixture f;
    f.start();
    const auto notAfter = f.clock->now() + 5 * kDay;
    f.tokens.put("T1", json::array({certificate("T1", "01", "Ana", notAfter)}));
    f.agent->bus().publish({{"type", "TokenInserted"}, {"serial", "T1"}});
    ASSERT_EQ(f.notifier->waitFor(1).size(), 1u);
    f.settle();

    // Another plugin's "snooze" is not an answer to this reminder.
    f.agent->bus().publish({{"type", "UserAction"},
                            {"action", "snooze"},
                            {"token", "T1"},
                            {"cert", "01"},
                            {"plugin", "hello-flow"},
                            {"args", {{"days", 3}}}});
    f.settle();
    EXPECT_EQ(f.status()[0]["state"], "due");
    // "Remind me in 3 days" from the notification.
    f.agent->bus().publish({{"type", "UserAction"},
                            {"action", "snooze"},
                            {"token", "T1"},
                            {"cert", "01"},
                            {"plugin", "expiry-reminders"},
                            {"args", {{"days", 3}}}});
    f.settle();
    auto list = f.status();
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0]["state"], "snoozed");
    f.agent->bus().publish({{"type", "TokenInserted"}, {"serial", "T1"}});
    f.settle();
    EXPECT_EQ(f.notifier->count(), 1u);

    // "Renew now" from the menu: acknowledged, and the renewal flow is asked.
    f.plugin->runAction("renew|T1|01", json::object());
    f.settle();
    auto actions = f.eventsOf("UserAction");
    ASSERT_FALSE(actions.empty());
    EXPECT_EQ(actions.back()["action"], "renew");
    EXPECT_EQ(actions.back()["source"], "expiry-reminders");

    // The renewal finishes: no more reminders, not even the expiry.
    f.agent->bus().publish(
        {{"type", "RenewalProgress"}, {"state", "done"}, {"token", "T1"}, {"cert", "01"}});
    f.settle();
    EXPECT_EQ(f.status()[0]["state"], "renewed");
    EXPECT_EQ(f.plugin->held().timers, 0u);
    f.clock->set(notAfter + kDay);
    std::this_thread::sleep_for(200ms);
    f.settle();
    EXPECT_EQ(f.notifier->count(), 1u);
}

TEST(ReminderFlow, TheMenuItemsAndTheCompositionRootsAcknowledgeAnswerTheReminder) {
    ScopedTimeZone tz("UTC");
    AgentFixture f;
    f.tokens.put("T1", json::array({certificate("T1", "01", "Ana", f.clock->now() + 20 * kDay)}));
    f.start();
    ASSERT_EQ(f.notifier->waitFor(1).size(), 1u);
    auto items = f.plugin->menuItems(json::object());
    ASSERT_EQ(items.size(), 3u) << items.dump();  // tomorrow, in 3 days, don't remind me
    EXPECT_EQ(items[0]["id"], "snooze1|T1|01");
    EXPECT_EQ(items[0]["label"], "Remind me tomorrow");
    EXPECT_EQ(items[0]["token"], "T1");
    EXPECT_EQ(items[2]["id"], "dismiss|T1|01");
    EXPECT_TRUE(items[0]["enabled"].get<bool>());

    f.plugin->runAction("snooze3|T1|01", json::object());
    f.settle();
    items = f.plugin->menuItems(json::object());
    ASSERT_EQ(items.size(), 3u);
    EXPECT_FALSE(items[0]["enabled"].get<bool>());  // snoozed: only "don't remind me" left
    EXPECT_TRUE(items[2]["enabled"].get<bool>());
    EXPECT_EQ(f.status()[0]["state"], "snoozed");
    // The snooze ends: reminded again; the composition root's "acknowledge" (what "Renew now"
    // on a notification becomes) answers it.
    f.clock->advance(3 * kDay);
    ASSERT_EQ(f.notifier->waitFor(2).size(), 2u);
    f.settle();
    f.agent->bus().publish({{"type", "UserAction"},
                            {"action", "acknowledge"},
                            {"token", "T1"},
                            {"cert", "01"},
                            {"plugin", "expiry-reminders"},
                            {"source", "tray"}});
    f.settle();
    EXPECT_EQ(f.status()[0]["state"], "acknowledged");
    EXPECT_TRUE(f.plugin->menuItems(json::object()).empty());
    EXPECT_THROW(f.plugin->runAction("snooze|T1|99", json::object()), certagent::Error);
    // A snooze of 2^32 + 3 days is not one of 3 days.
    EXPECT_THROW(f.plugin->runAction("snooze", {{"token", "T1"}, {"cert", "01"},
                                                {"days", 4294967299LL}}),
                 certagent::Error);
    EXPECT_EQ(f.status()[0]["state"], "acknowledged");
}

TEST(ReminderFlow, RestartDoesNotRepeatAndTheCommandGetsTheFieldsButNoSecrets) {
    ScopedTimeZone tz("UTC");
    AgentFixture f;
    const auto hook = f.dir / "hook.txt";
    f.configure("command = [\"sh\", \"-c\", \"env | sort >> \\\"$0\\\"\", \"" + hook.string() +
                "\"]\n");
    ::setenv("MY_TOKEN_PIN", "914273", 1);  // what --pin-env would read
    f.tokens.put("T1", json::array({certificate("T1", "01", "Ana", f.clock->now() - 1 * kDay)}));
    f.start();
    auto shown = f.notifier->waitFor(1);
    ASSERT_EQ(shown.size(), 1u);
    EXPECT_EQ(shown[0]["urgency"], "critical");
    ASSERT_TRUE(waitUntil(
        [&] { return readFile(hook).find("CERTAGENT_TITLE=") != std::string::npos; }, 10s));
    ::unsetenv("MY_TOKEN_PIN");
    auto env = readFile(hook);
    EXPECT_NE(env.find("CERTAGENT_THRESHOLD=expired\n"), std::string::npos) << env;
    EXPECT_NE(env.find("CERTAGENT_CERT_ID=01\n"), std::string::npos) << env;
    EXPECT_NE(env.find("CERTAGENT_SEVERITY=critical\n"), std::string::npos) << env;
    EXPECT_EQ(env.find("914273"), std::string::npos) << env;
    EXPECT_NE(env.find("PATH="), std::string::npos) << env;
    f.stop();

    f.start();  // the same state folder: the expiry was already reminded about
    EXPECT_EQ(f.notifier->count(), 1u);
    EXPECT_EQ(f.plugin->held().timers, 0u);  // nothing left to wait for
}

TEST(ReminderFlow, DisabledInConfigStartsNothingButStillAnswersStatus) {
    AgentFixture f("enabled = false\n");
    f.tokens.put("T1", json::array({certificate("T1", "01", "Ana", f.clock->now() + 5 * kDay)}));
    f.start();
    EXPECT_EQ(f.plugin->held().timers, 0u);
    EXPECT_EQ(f.plugin->held().subscriptions, 1u);
    EXPECT_EQ(f.notifier->count(), 0u);
    EXPECT_TRUE(f.plugin->menuItems(json::object()).empty());
    // `certagent-cli reminders` still says what would be due; an answer plans nothing.
    EXPECT_EQ(f.status()[0]["state"], "due");
    f.plugin->runAction("snooze", {{"token", "T1"}, {"cert", "01"}, {"days", 1}});
    f.settle();
    EXPECT_EQ(f.status()[0]["state"], "snoozed");
    EXPECT_EQ(f.plugin->held().timers, 0u);
}

TEST(ReminderFlow, ADamagedDatabaseIsReportedAndLeftAsItIsAndNothingElseStops) {
    AgentFixture f;
    std::filesystem::create_directories(f.databaseFile().parent_path());
    const std::string garbage(4096, 'z');
    writeFile(f.databaseFile(), garbage);
    f.tokens.put("T1", json::array({certificate("T1", "01", "Ana", f.clock->now() + 5 * kDay)}));
    f.start();
    try {
        f.status();
        FAIL() << "status answered from a damaged database";
    } catch (const certagent::Error& e) {
        EXPECT_NE(std::string(e.what()).find(f.databaseFile().string()), std::string::npos)
            << e.what();
    }
    EXPECT_EQ(readFile(f.databaseFile()), garbage);
    EXPECT_EQ(f.plugin->held().timers, 0u);
    EXPECT_EQ(f.notifier->count(), 0u);
    EXPECT_TRUE(f.plugin->menuItems(json::object()).empty());
    // The agent goes on: its bus still delivers.
    f.agent->bus().publish({{"type", "UserAction"}, {"action", "noop"}});
    EXPECT_FALSE(f.eventsOf("UserAction").empty());
}

TEST(ReminderFlow, StatusAtAnotherTimeChangesNothingAndABadTimeIsRefused) {
    ScopedTimeZone tz("UTC");
    AgentFixture f;
    f.tokens.put("T1", json::array({certificate("T1", "01", "Ana", f.clock->now() + 100 * kDay)}));
    f.start(/*started=*/false);
    auto later = f.plugin->runAction("status", {{"now", "2026-03-20T09:00:00Z"}})["reminders"];
    ASSERT_EQ(later.size(), 1u);
    EXPECT_EQ(later[0]["state"], "due");
    EXPECT_EQ(later[0]["threshold"], 30);
    EXPECT_EQ(later[0]["common_name"], "Ana");
    EXPECT_EQ(f.status()[0]["state"], "scheduled");  // nothing fired or consumed
    EXPECT_EQ(f.notifier->count(), 0u);
    EXPECT_THROW(f.plugin->runAction("status", {{"now", "tomorrow"}}), certagent::Error);
}

TEST(ReminderFlow, SpeaksTheAgentsLanguageThroughItsCatalog) {
    ScopedTimeZone tz("UTC");
    AgentFixture f("[ui]\nlanguage = \"ro\"\n");
    f.tokens.put("T1", json::array({certificate("T1", "01", "Ana", f.clock->now() + 5 * kDay)}));
    f.start();
    auto shown = f.notifier->waitFor(1);
    certagent::i18n::setLanguage("en");
    ASSERT_EQ(shown.size(), 1u);
    EXPECT_EQ(shown[0]["title"], "Certificatul dumneavoastră calificat expiră în 5 zile");
    EXPECT_EQ(shown[0]["actions"][2]["label"], "Amintește-mi peste 3 zile");
}
