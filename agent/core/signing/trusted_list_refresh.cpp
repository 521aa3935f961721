// The trusted lists' own refresh: see startTrustedListRefresh() in trusted_list.hpp. The update
// runs on the agent's scheduler thread (its downloads are bounded by the HTTP timeouts; other
// timers wait that long at most, once a NextUpdate); the timer keeps its state alive until the
// agent stops.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <memory>

#include "certagent/core/agent.hpp"
#include "certagent/core/clock.hpp"
#include "certagent/core/config.hpp"
#include "certagent/core/error.hpp"
#include "certagent/core/log.hpp"
#include "certagent/core/signing/trusted_list.hpp"

namespace certagent::signing {
namespace {

using namespace std::chrono;

// "2026-06-01T00:00:00Z" (the LOTL's NextUpdate) -> time point.
std::optional<TimePoint> parseIso(const std::string& text) {
    try {
        return parseIso8601(text);
    } catch (const Error&) {
        return std::nullopt;
    }
}

struct Refresh : std::enable_shared_from_this<Refresh> {
    Agent& agent;
    seconds retry{3600};
    explicit Refresh(Agent& a) : agent(a) {}

    void planAt(TimePoint due) {
        auto self = shared_from_this();
        agent.scheduler().scheduleAt(due, [self] { self->run(); });
        log::info("trusted-list", "next update of the EU trusted list: {}", toIso8601(due));
    }

    void run() {
        const auto now = agent.clock().now();
        try {
            auto r = updateTrustedList(agent.config(), agent.stateDir());
            log::info("trusted-list",
                      "EU trusted list updated: {} list(s), {} certificate(s), {} "
                      "unchanged since the last update",
                      r.lists, r.certificates, r.not_modified);
            for (const auto& note : r.notes) log::warn("trusted-list", "{}", note);
            retry = seconds(3600);
            auto cache = loadTrustedList(agent.config(), agent.stateDir());
            auto next = parseIso(cache.next_update);
            // A NextUpdate in the past (a late publisher) is not a reason to ask every minute.
            planAt(std::clamp(next.value_or(now + hours(24)), now + hours(1), now + hours(24 * 7)));
        } catch (const std::exception& e) {
            log::warn("trusted-list",
                      "the EU trusted list could not be updated ({}); the last "
                      "good copy stays in use, next try in {} min",
                      e.what(), retry.count() / 60);
            planAt(now + retry);
            retry = std::min<seconds>(retry * 2, hours(24));
        }
    }
};

}  // namespace

std::string startTrustedListRefresh(Agent& agent) {
    if (agent.config().getString("verify.trusted_list_url").empty())
        return "off ([verify] trusted_list_url is not set)";
    if (agent.stateDir().empty()) return "off (no state folder)";
    auto refresh = std::make_shared<Refresh>(agent);
    const auto now = agent.clock().now();
    auto cache = loadTrustedList(agent.config(), agent.stateDir());
    const auto next = parseIso(cache.next_update);
    // Due now when nothing usable is cached or its NextUpdate has passed.
    const TimePoint due = cache.anchors.empty() || !next || *next <= now ? now : *next;
    refresh->planAt(due);
    return cache.anchors.empty() ? "update due now (nothing cached)"
                                 : fmt::format("cached list valid until {}", cache.next_update);
}

}  // namespace certagent::signing
