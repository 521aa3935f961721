// The renewal in the long-running programs: the composition root (the daemon's and the tray's
// App) with the renewal plugin, driven only by the UserAction events the tray's wizard sends.
// The plugin's worker runs the engine, its timers poll the CA, the declaration waits for the
// person's event, and the PIN is asked once for the whole renewal.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>

#include "background_process.hpp"
#include "certagent/core/app/app.hpp"
#include "certagent/core/events.hpp"
#include "renewal_fixture.hpp"

namespace certagent::testing {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

TEST(RenewalService, TheWizardsEventsRenewACertificateWithOnePinEntry) {
    RenewalScene s;
    s.hsm.activate();
    ::setenv("CERTAGENT_RENEWAL_MAX_POLL_S", "1", 1);
    AgentOptions o;
    o.config.explicit_file = s.config;
    o.config.policy_file = s.dir / "none.toml";
    o.config.user_file = s.dir / "none-user.toml";
    o.config.read_environment = false;
    o.state_dir = s.stateDir;
    o.log_to_file = false;
    o.load_plugins = false;
    o.before_plugins = [](Agent& a) {
        ASSERT_TRUE(a.plugins().loadFile(CERTAGENT_RENEWAL_PLUGIN));
    };
    std::atomic<int> pins{0};
    app::Adapters adapters;
    adapters.program = "tray";
    adapters.pin = [&pins](const token::PinRequest&) -> std::optional<SecretString> {
        ++pins;
        return SecretString("123456");
    };
    app::App a(std::move(o), std::move(adapters));
    std::mutex m;
    std::vector<json> progress;
    a.agent().bus().subscribe(events::kRenewalProgress, [&](const json& e) {
        std::lock_guard l(m);
        progress.push_back(e);
    });
    auto last = [&] {
        std::lock_guard l(m);
        return progress.empty() ? json::object() : progress.back();
    };
    auto publish = [&](const std::string& action, json args = json::object()) {
        json e = {{"type", events::kUserAction},
                  {"action", action},
                  {"token", s.token->serial},
                  {"cert", s.certId},
                  {"args", args},
                  {"source", "gui"}};
        if (auto id = last().value("renewal_id", ""); !id.empty()) e["renewal_id"] = id;
        a.agent().bus().publish(e);
    };
    a.start();

    publish("renew", {{"years", 2}, {"id_document", s.idDocument.string()}});
    // The declaration waits for the person (the wizard shows it, then sends its event).
    ASSERT_TRUE(waitUntil([&] { return last().value("prompt", "") == "sign_declaration"; }, 60s))
        << last().dump();
    EXPECT_EQ(last()["state"], "needs_user");
    EXPECT_EQ(last()["stage"], "declaration");
    EXPECT_FALSE(last()["declaration"].get<std::string>().empty());
    publish("renewal.sign_declaration");
    ASSERT_TRUE(waitUntil([&] { return last().value("final", false); }, 90s)) << last().dump();
    EXPECT_EQ(last()["state"], "done") << last().dump();
    EXPECT_EQ(last()["step"], "done");
    EXPECT_EQ(pins.load(), 1);  // one PIN entry for the whole renewal, across waits
    EXPECT_EQ(s.issuedCertificates(), 1);
    EXPECT_EQ(s.transitionsTo("EMISA"), 1);
    ::unsetenv("CERTAGENT_RENEWAL_MAX_POLL_S");
}

}  // namespace
}  // namespace certagent::testing
