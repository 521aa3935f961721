// While the CA cannot be reached, a renewal backs off as docs/renewal.md says: 1 s, doubling,
// at most 60 s (±20 % jitter), also across advance() calls (each one re-enters preflight).
// Driven in-process through the renewal plugin loaded by an agent with an injected clock,
// against a CA that is down: its port on 127.0.0.1 is closed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "certagent/core/agent.hpp"
#include "certagent/core/app/extensions.hpp"
#include "renewal_fixture.hpp"

namespace certagent::testing {
namespace {

using namespace std::chrono_literals;
using std::chrono::seconds;

TEST(RenewalBackoff, AnUnreachableCaIsRetriedWithAGrowingBoundedBackoff) {
    RenewalScene s;
    s.ca->stop();  // its port is closed: every connection is refused at once
    s.hsm.activate();
    auto start = std::chrono::floor<seconds>(std::chrono::system_clock::now());
    auto clock = std::make_shared<ManualClock>(start);
    AgentOptions o;
    o.config.explicit_file = s.config;
    o.config.policy_file = s.dir / "none.toml";
    o.config.user_file = s.dir / "none-user.toml";
    o.config.read_environment = false;
    o.state_dir = s.stateDir;
    o.clock = clock;
    o.log_to_file = false;
    o.load_plugins = false;
    o.before_plugins = [](Agent& a) {
        app::installExtensions(a).setPin([](const token::PinRequest&) {
            return std::optional<SecretString>(SecretString("123456"));
        });
        ASSERT_TRUE(a.plugins().loadFile(CERTAGENT_RENEWAL_PLUGIN));
    };
    Agent agent(o);
    auto* plugin = agent.plugins().find("renewal");
    ASSERT_NE(plugin, nullptr);
    auto r = plugin->runAction("start", {{"token", s.token->serial},
                                         {"cert", s.certId},
                                         {"years", 2},
                                         {"id_document", s.idDocument.string()}});

    std::vector<long long> delays;
    for (int i = 0; i < 10; ++i) {
        r = plugin->runAction("advance", {{"id", r["id"]}});
        ASSERT_EQ(r["state"], "waiting") << r.dump();
        EXPECT_EQ(r["code"], "network") << r["message"];
        auto due = parseIso8601(r["next_attempt"].get<std::string>());
        delays.push_back(std::chrono::duration_cast<seconds>(due - clock->now()).count());
        clock->set(due);  // the scheduler would wake up then
    }
    std::string shown;
    for (auto d : delays) shown += std::to_string(d) + " ";
    RecordProperty("delays_s", shown);
    // Attempt k waits min(2^k, 60) s, ±20 % (rounded to whole seconds, at least 1 s).
    for (std::size_t k = 0; k < delays.size(); ++k) {
        const double nominal = std::min(std::pow(2.0, double(k)), 60.0);
        EXPECT_GE(delays[k], std::max(1.0, std::floor(nominal * 0.8)))
            << "attempt " << k << ": " << shown;
        EXPECT_LE(delays[k], std::ceil(nominal * 1.2)) << "attempt " << k << ": " << shown;
    }
    EXPECT_LE(*std::max_element(delays.begin(), delays.end()), 72) << shown;  // bounded
    auto list = plugin->runAction("list", nlohmann::json::object());
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0]["attempts"], 10);  // journalled, so a restarted agent keeps backing off
}

}  // namespace
}  // namespace certagent::testing
