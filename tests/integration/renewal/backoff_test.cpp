// While the CA cannot be reached, a renewal backs off as docs/renewal.md says: 1 s, doubling,
// at most 60 s (±20 % jitter), also across advance() calls (each one re-enters preflight).
// Driven in-process with an injected clock against a CA that is down: its port on 127.0.0.1
// is closed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "certagent/core/agent.hpp"
#include "certagent/core/renewal/agent_renewal.hpp"
#include "certagent/core/token/agent_tokens.hpp"
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
    Agent agent(o);
    auto tokens = token::makeTokenService(agent);
    token::PinCallback pin = [](const token::PinRequest&) -> std::optional<SecretString> {
        return SecretString("123456");
    };
    auto engine =
        renewal::makeEngine(agent, *tokens, pin, std::make_shared<renewal::DeferringPrompter>());
    auto r = engine->start({.token = s.token->serial,
                            .certId = s.certId,
                            .years = 2,
                            .idDocument = s.idDocument.string()});

    std::vector<long long> delays;
    for (int i = 0; i < 10; ++i) {
        r = engine->advance(r.id);
        ASSERT_EQ(r.state, renewal::State::Waiting) << r.message;
        EXPECT_EQ(r.errorCode, "network") << r.message;
        auto due = parseIso8601(r.nextAttempt);
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
    auto saved = engine->find(r.id);
    ASSERT_TRUE(saved);
    EXPECT_EQ(saved->attempts, 10);  // journalled, so a restarted agent keeps backing off
}

}  // namespace
}  // namespace certagent::testing
