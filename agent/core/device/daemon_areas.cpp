// The daemon's areas, found by their daemon_area.hpp (see daemon_areas.hpp). One line per
// area; an area missing from this build compiles to nothing.
#include "certagent/core/device/daemon_areas.hpp"

#include "certagent/core/agent.hpp"
#include "certagent/core/error.hpp"
#include "certagent/core/log.hpp"

#include <functional>

#if __has_include("certagent/core/reminders/daemon_area.hpp")
#include "certagent/core/reminders/daemon_area.hpp"
#define CERTAGENT_HAS_REMINDERS_AREA 1
#endif
#if __has_include("certagent/core/renewal/daemon_area.hpp")
#include "certagent/core/renewal/daemon_area.hpp"
#define CERTAGENT_HAS_RENEWAL_AREA 1
#endif
#if __has_include("certagent/core/tsa/daemon_area.hpp")
#include "certagent/core/tsa/daemon_area.hpp"
#define CERTAGENT_HAS_TSA_AREA 1
#endif
#if __has_include("certagent/core/signing/daemon_area.hpp")
#include "certagent/core/signing/daemon_area.hpp"
#define CERTAGENT_HAS_SIGNING_AREA 1
#endif
#if __has_include("certagent/core/server/daemon_area.hpp")
#include "certagent/core/server/daemon_area.hpp"
#define CERTAGENT_HAS_SERVER_AREA 1
#endif

namespace certagent {

namespace {

struct Area {
    const char* name;
    std::function<void(Agent&)> start;
};

std::vector<Area> areas() {
    std::vector<Area> list;
#ifdef CERTAGENT_HAS_REMINDERS_AREA
    list.push_back({"reminders", [](Agent& a) { reminders::startDaemonArea(a); }});
#endif
#ifdef CERTAGENT_HAS_RENEWAL_AREA
    list.push_back({"renewal", [](Agent& a) { renewal::startDaemonArea(a); }});
#endif
#ifdef CERTAGENT_HAS_TSA_AREA
    list.push_back({"tsa", [](Agent& a) { tsa::startDaemonArea(a); }});
#endif
#ifdef CERTAGENT_HAS_SIGNING_AREA
    list.push_back({"signing", [](Agent& a) { signing::startDaemonArea(a); }});
#endif
#ifdef CERTAGENT_HAS_SERVER_AREA
    list.push_back({"server", [](Agent& a) { server::startDaemonArea(a); }});
#endif
    return list;
}

}  // namespace

std::vector<AreaStartResult> startDaemonAreas(Agent& agent) {
    std::vector<AreaStartResult> out;
    for (const auto& area : areas()) {
        AreaStartResult r{area.name, false, {}};
        try {
            area.start(agent);
            r.started = true;
            log::info("daemon", "area {} started", area.name);
        } catch (const Error& e) {
            r.error = describe(e);
        } catch (const std::exception& e) {
            r.error = e.what();
        }
        if (!r.started) log::error("daemon", "area {} did not start: {}", area.name, r.error);
        out.push_back(std::move(r));
    }
    return out;
}

}  // namespace certagent
