// certagent-cli watch: one JSON line per device or token event until SIGINT/SIGTERM.
//   {"type":"DeviceMonitorStatus","sources":[{"name":"udev","active":true},...],...}
//   {"type":"Device","source":"pcsc","action":"card_inserted","reader":"...","atr":"...",...}
//   {"type":"TokenInserted","serial":"...","plugin":"...",...}
// Tokens already present come first as TokenInserted with "initial": true. Each line is
// flushed as it is written, so a pipe reader sees it at once.
#include <cstdio>
#include <mutex>

#include "certagent/core/device/agent_devices.hpp"
#include "certagent/core/error.hpp"
#include "certagent/core/events.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/platform/stop_signals.hpp"
#include "command.hpp"
#include "device_sources.hpp"

namespace certagent::cli {
namespace {

int runWatch(Context& ctx) {
    Args args(ctx.args, {}, {});
    if (!args.positionals().empty()) throw Error(ErrorKind::Usage, _("watch takes no arguments"));
    platform::StopSignals stopSignals;
    auto& agent = ctx.agent(/*open_state=*/false);
    std::mutex outMutex;
    auto printLine = [&outMutex](const nlohmann::json& event) {
        std::lock_guard lock(outMutex);
        auto line = event.dump() + "\n";
        if (std::fwrite(line.data(), 1, line.size(), stdout) != line.size() ||
            std::fflush(stdout) != 0)
            platform::StopSignals::requestStop();  // the reader went away: stop like on Ctrl+C
    };
    const std::string types = std::string(events::kDevice) + "," + events::kTokenInserted + "," +
                              events::kTokenRemoved + "," + events::kCertificatesChanged + "," +
                              device::kDeviceMonitorStatus;
    auto sub = agent.bus().subscribe(types, printLine);
    auto area =
        device::startDeviceMonitor(agent, platform::makeDeviceSources(device::usbFilter(agent)),
                                   device::monitorOptions(agent));
    stopSignals.wait();
    area.monitor->stop();
    agent.bus().drain();
    agent.bus().unsubscribe(sub);
    return kOk;
}

}  // namespace
}  // namespace certagent::cli

CERTAGENT_CLI_COMMAND(watch, "watch",
                      N_("print device and token events as JSON lines until interrupted"),
                      N_("watch"), certagent::cli::runWatch)
