// The reminders area on a real Agent (ManualClock, real Scheduler, bus and SQLite), with a
// fake token reader and a recording notifier.
#include <gtest/gtest.h>

#include <condition_variable>
#include <fstream>

#include "certagent/core/agent.hpp"
#include "certagent/core/events.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/reminders/service.hpp"
#include "reminders_test_util.hpp"

using namespace certagent;
using namespace certagent::reminders;
using namespace certagent::reminders::testing;
using certagent::testing::readFile;
using certagent::testing::TempDir;
using certagent::testing::writeFile;

namespace {

class RecordingNotifier final : public Notifier {
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
        cv_.wait_for(lock, std::chrono::seconds(10), [&] { return shown_.size() >= count; });
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

class FakeReader final : public TokenReader {
public:
    explicit FakeReader(std::shared_ptr<std::map<std::string, TokenSnapshot>> tokens)
        : tokens_(std::move(tokens)) {}
    std::vector<TokenSnapshot> readAll() override {
        std::vector<TokenSnapshot> out;
        for (auto& [_, t] : *tokens_) out.push_back(t);
        return out;
    }
    std::optional<TokenSnapshot> read(const std::string& serial) override {
        auto it = tokens_->find(serial);
        if (it == tokens_->end()) return std::nullopt;
        return it->second;
    }

private:
    std::shared_ptr<std::map<std::string, TokenSnapshot>> tokens_;
};

struct AgentFixture {
    TempDir dir{"certagent-reminders-agent"};
    std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>(at("2026-01-01T10:00:00Z"));
    std::shared_ptr<RecordingNotifier> notifier = std::make_shared<RecordingNotifier>();
    std::shared_ptr<std::map<std::string, TokenSnapshot>> tokens =
        std::make_shared<std::map<std::string, TokenSnapshot>>();
    std::unique_ptr<Agent> agent;
    std::shared_ptr<ReminderService> service;
    std::mutex eventsMutex;
    std::vector<json> events;

    explicit AgentFixture(const std::string& extraConfig = {}) { configure(extraConfig); }
    void configure(const std::string& extraConfig) {
        writeFile(dir / "agent.toml", "[reminders]\ndays_before = [30, 7]\n" + extraConfig);
    }
    void start() {
        AgentOptions o;
        o.config.policy_file = dir / "none-policy.toml";
        o.config.user_file = dir / "none-user.toml";
        o.config.explicit_file = dir / "agent.toml";
        o.config.read_environment = false;
        o.state_dir = dir / "state";
        o.clock = clock;
        o.notifier = notifier;
        o.load_plugins = false;
        o.log_to_file = false;
        agent = std::make_unique<Agent>(std::move(o));
        agent->bus().subscribe("ReminderDue,UserAction", [this](const json& e) {
            std::lock_guard lock(eventsMutex);
            events.push_back(e);
        });
        ServiceOptions so;
        so.reader = std::make_unique<FakeReader>(tokens);
        so.commandTimeout = std::chrono::milliseconds(5000);
        service = reminders::start(*agent, std::move(so));
    }
    void stop() {
        service.reset();
        agent.reset();
    }
    std::vector<json> eventsOf(const std::string& type) {
        agent->bus().drain();
        std::lock_guard lock(eventsMutex);
        std::vector<json> out;
        for (auto& e : events)
            if (e["type"] == type) out.push_back(e);
        return out;
    }
};

}  // namespace

TEST(ReminderService, SleepsUntilTheNextThresholdAndNotifies) {
    i18n::setLanguage("en");
    ScopedTimeZone tz("UTC");
    AgentFixture f;
    const auto notAfter = f.clock->now() + 40 * kDay;
    (*f.tokens)["T1"] = token("T1", {cert("01", "Ana", notAfter)});
    f.start();
    ASSERT_TRUE(f.service);
    EXPECT_EQ(f.notifier->count(), 0u);
    EXPECT_EQ(f.agent->scheduler().pending(), 1u);  // one timer, no polling

    const auto wakeups = f.agent->scheduler().wakeups();
    f.clock->set(thresholdStart(notAfter, 30));  // the scheduler thread wakes and fires
    auto shown = f.notifier->waitFor(1);
    ASSERT_EQ(shown.size(), 1u);
    EXPECT_EQ(shown[0]["title"], "Your qualified certificate expires in 30 days");
    EXPECT_EQ(shown[0]["urgency"], "normal");
    EXPECT_EQ(shown[0]["token"], "T1");
    EXPECT_EQ(shown[0]["actions"].size(), 4u);
    auto due = f.eventsOf("ReminderDue");
    ASSERT_EQ(due.size(), 1u);
    EXPECT_EQ(due[0]["threshold"], 30);
    EXPECT_EQ(due[0]["days_left"], 30);
    EXPECT_LT(f.agent->scheduler().wakeups() - wakeups, 10u);
}

TEST(ReminderService, TokenInsertedEventRemindsAndUserActionsChangeState) {
    i18n::setLanguage("en");
    ScopedTimeZone tz("UTC");
    AgentFixture f;
    f.start();
    const auto notAfter = f.clock->now() + 5 * kDay;
    (*f.tokens)["T1"] = token("T1", {cert("01", "Ana", notAfter)});
    f.agent->bus().publish({{"type", events::kTokenInserted}, {"serial", "T1"}});
    ASSERT_EQ(f.notifier->waitFor(1).size(), 1u);

    // "Remind me in 3 days" from the notification.
    f.agent->bus().publish({{"type", events::kUserAction}, {"action", "snooze"}, {"token", "T1"},
                            {"cert", "01"}, {"args", {{"days", 3}}}});
    f.agent->bus().drain();
    auto list = f.agent->services().call("test", "reminders.list", json::object());
    ASSERT_EQ(list["reminders"].size(), 1u);
    EXPECT_EQ(list["reminders"][0]["state"], "snoozed");
    f.agent->bus().publish({{"type", events::kTokenInserted}, {"serial", "T1"}});
    f.agent->bus().drain();
    EXPECT_EQ(f.notifier->count(), 1u);

    // "Renew now" through the host method: acknowledged, and the renewal flow is asked.
    f.agent->services().call("test", "reminders.renew", {{"token", "T1"}, {"cert", "01"}});
    auto actions = f.eventsOf("UserAction");
    ASSERT_FALSE(actions.empty());
    EXPECT_EQ(actions.back()["action"], "renew");
    EXPECT_EQ(actions.back()["source"], "reminders");

    // The renewal finishes: no more reminders, not even the expiry.
    f.agent->bus().publish({{"type", events::kRenewalProgress}, {"state", "done"},
                            {"token", "T1"}, {"cert", "01"}});
    f.agent->bus().drain();
    list = f.agent->services().call("test", "reminders.list", json::object());
    EXPECT_EQ(list["reminders"][0]["state"], "renewed");
    f.clock->set(notAfter + kDay);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_EQ(f.notifier->count(), 1u);
}

TEST(ReminderService, RestartDoesNotRepeatAndCommandGetsTheFields) {
    i18n::setLanguage("en");
    ScopedTimeZone tz("UTC");
    AgentFixture f;
    f.configure("command = [\"sh\", \"-c\", \"env | grep ^CERTAGENT_ | sort >> \\\"$0\\\"\", \"" +
                (f.dir / "hook.txt").string() + "\"]\n");
    (*f.tokens)["T1"] = token("T1", {cert("01", "Ana", f.clock->now() - 1 * kDay)});
    f.start();
    ASSERT_EQ(f.notifier->waitFor(1).size(), 1u);
    EXPECT_EQ(f.notifier->waitFor(1)[0]["urgency"], "critical");
    f.service->drainCommands();
    auto hook = readFile(f.dir / "hook.txt");
    EXPECT_NE(hook.find("CERTAGENT_THRESHOLD=expired\n"), std::string::npos) << hook;
    EXPECT_NE(hook.find("CERTAGENT_CERT_ID=01\n"), std::string::npos) << hook;
    EXPECT_NE(hook.find("CERTAGENT_SEVERITY=critical\n"), std::string::npos) << hook;
    f.stop();

    f.start();  // the same state dir: the expiry was already reminded about
    f.agent->bus().drain();
    EXPECT_EQ(f.notifier->count(), 1u);
    EXPECT_EQ(f.agent->scheduler().pending(), 0u);  // nothing left to wait for
}

TEST(ReminderService, DisabledInConfigStartsNothing) {
    AgentFixture f("enabled = false\n");
    f.start();
    EXPECT_FALSE(f.service);
    EXPECT_FALSE(f.agent->services().hasMethod("reminders.list"));
}
