// The plugin started by the composition root (core/app) on a real SoftHSM2 token with the real
// extensions: the reminder reaches the program's notifier, and the person's choices on it come
// back to the plugin through App::onNotificationChoice.
#include <gtest/gtest.h>

#include <mutex>

#include "agent_options.hpp"
#include "background_process.hpp"
#include "certagent/core/app/app.hpp"
#include "certagent/core/i18n.hpp"
#include "softhsm.hpp"
#include "temp_dir.hpp"

namespace certagent::testing {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

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

}  // namespace

TEST(RemindersApp, TheCompositionRootStartsThePluginAndTheAnswersToItsNotificationComeBack) {
    i18n::setLanguage("en");
    TempDir dir{"certagent-reminders-app"};
    SoftHsm hsm;
    hsm.activate();
    auto& token = hsm.createToken("Titular");
    auto cert = hsm.addCertificate(
                       token, {.commonName = "Ion Popescu", .notAfterDays = 10, .qualified = true})
                    .idHex;
    writeFile(dir / "agent.toml", "[pkcs11]\nextra_modules = [\"" + SoftHsm::modulePath().string() +
                                      "\"]\nuse_p11_kit = false\n[devices]\n"
                                      "poll_interval_seconds = 60\n");
    AgentOptions o = isolatedAgentOptions(dir.path());
    auto notifier = std::make_shared<RecordingNotifier>();
    app::Adapters adapters;
    adapters.program = "daemon";
    adapters.notifier = notifier;
    app::App a(std::move(o), std::move(adapters));
    ASSERT_TRUE(a.agent().plugins().loadFile(CERTAGENT_REMINDERS_PLUGIN));
    auto* plugin = a.agent().plugins().find("expiry-reminders");
    ASSERT_NE(plugin, nullptr);
    for (const auto& area : a.start()) EXPECT_NE(area.name, "reminders");

    // The certificate expires in 10 days: the reminder went to the program's notifier.
    ASSERT_TRUE(waitUntil([&] { return !notifier->all().empty(); }, 20s));
    auto shown = notifier->all()[0];
    EXPECT_EQ(shown["title"], "Your qualified certificate expires in 10 days");
    EXPECT_EQ(shown["plugin"], "expiry-reminders");
    EXPECT_EQ(shown["token"], token.serial);
    EXPECT_EQ(shown["cert"], cert);
    auto state = [&] {
        return plugin->runAction("status", json::object())["reminders"][0].value("state", "");
    };
    EXPECT_EQ(state(), "due");

    // "Renew now" opens the renewal window and acknowledges the reminder.
    const auto& actions = shown["actions"];
    ASSERT_EQ(actions.size(), 4u);
    EXPECT_EQ(actions[0]["action"], "renew");
    EXPECT_TRUE(a.onNotificationChoice(shown, actions[0]).openRenewal);
    EXPECT_TRUE(waitUntil([&] { return state() == "acknowledged"; }, 10s)) << state();
    // "Remind me in 3 days".
    EXPECT_EQ(actions[2]["args"]["days"], 3);
    EXPECT_FALSE(a.onNotificationChoice(shown, actions[2]).openRenewal);
    EXPECT_TRUE(waitUntil([&] { return state() == "snoozed"; }, 10s)) << state();
    EXPECT_EQ(notifier->all().size(), 1u);
}

}  // namespace certagent::testing
