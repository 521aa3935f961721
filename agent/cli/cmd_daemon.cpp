// certagent-cli daemon: the headless agent. Starts every area of this build
// (certagent/core/device/daemon_areas.hpp says how an area joins), then device monitoring,
// and sleeps in sigwait until SIGINT or SIGTERM; then stops the monitor and lets the agent
// release the areas. Logs go to <state dir>/logs/certagent.log.
#include <csignal>
#include <fmt/format.h>

#include "certagent/core/device/agent_devices.hpp"
#include "certagent/core/device/daemon_areas.hpp"
#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"
#include "command.hpp"
#include "device_sources.hpp"

namespace certagent::cli {
namespace {

int runDaemon(Context& ctx) {
    Args args(ctx.args, {}, {});
    if (!args.positionals().empty())
        throw Error(ErrorKind::Usage, _("daemon takes no arguments"));
    // Before any thread exists, so every thread inherits the mask and the signals reach
    // sigwait below only.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);

    auto& agent = ctx.agent(/*open_state=*/true);
    // The daemon logs what the config asks for (the CLI's default is warnings only).
    try {
        auto configured = log::parseLevel(agent.config().getString("log.level"));
        if (configured < log::level()) log::setLevel(configured);
    } catch (const Error&) {
    }
    log::info("daemon", "starting (state dir {})", agent.stateDir().string());
    for (const auto& r : startDaemonAreas(agent))
        if (!r.started)
            fmt::print(stderr, "certagent-cli: {}\n",
                       fmt::format(fmt::runtime(_("{0} did not start: {1}")), r.name, r.error));
    auto devices = device::startDeviceMonitor(
        agent, platform::makeDeviceSources(device::usbFilter(agent)),
        device::monitorOptions(agent));

    int sig = 0;
    while (sigwait(&set, &sig) != 0) {
    }
    log::info("daemon", "signal {}: stopping", sig);
    devices.monitor->stop();
    return kOk;
}

}  // namespace
}  // namespace certagent::cli

CERTAGENT_CLI_COMMAND(daemon, "daemon",
                      N_("run the headless agent: device monitor, reminders, local server"),
                      N_("daemon"), certagent::cli::runDaemon)
