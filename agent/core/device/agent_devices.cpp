#include "certagent/core/device/agent_devices.hpp"

#include "certagent/core/agent.hpp"
#include "certagent/core/log.hpp"
#include "certagent/core/token/agent_tokens.hpp"

namespace certagent::device {

UsbIdFilter usbFilter(Agent& agent) {
    UsbIdFilter filter;
    for (const auto& profile : token::tokenProfiles(agent))
        for (const auto& id : profile.usbIds)
            if (!filter.knows(id.vendor, id.product)) filter.ids.emplace_back(id.vendor, id.product);
    return filter;
}

MonitorOptions monitorOptions(Agent& agent) {
    MonitorOptions options;
    options.pollInterval = std::chrono::seconds(agent.config().getInt("devices.poll_interval_seconds"));
    return options;
}

namespace {

// Stops the monitor before the tracker and the agent's bus go away.
struct MonitorGuard {
    std::shared_ptr<DeviceMonitor> monitor;
    ~MonitorGuard() {
        if (monitor) monitor->stop();
    }
};

}  // namespace

DeviceArea startDeviceMonitor(Agent& agent, std::vector<std::unique_ptr<DeviceSource>> sources,
                              MonitorOptions options, DriverWatch::UsbLister usbLister) {
    DeviceArea area;
    Agent* a = &agent;
    area.tracker = std::make_shared<TokenTracker>(agent.bus(), agent.clock(),
                                                  [a] { return token::makeTokenService(*a); });
    if (usbLister) {
        area.drivers = std::make_shared<DriverWatch>(agent.bus(), agent.clock(),
                                                     token::tokenProfiles(agent),
                                                     std::move(usbLister));
        area.tracker->setAfterListing(
            [drivers = area.drivers](token::TokenService& service,
                                     const std::vector<token::TokenInfo>& tokens,
                                     TimePoint started, bool initial) {
                drivers->update(tokens, installedPlugins(service.modules()), started, initial);
            });
    }
    std::weak_ptr<TokenTracker> tracker = area.tracker;
    area.monitor = std::make_shared<DeviceMonitor>(
        agent.bus(), std::move(sources),
        [tracker](bool initial) {
            if (auto t = tracker.lock()) t->rescan(initial);
        },
        std::move(options));
    // One object owns both, so the monitor (and its sources' threads) stops before the
    // tracker it calls goes away, whatever order the agent releases its areas in.
    struct Holder {
        std::shared_ptr<TokenTracker> tracker;
        std::shared_ptr<DriverWatch> drivers;
        MonitorGuard guard;
    };
    agent.keepAlive(std::make_shared<Holder>(
        Holder{area.tracker, area.drivers, MonitorGuard{area.monitor}}));
    area.monitor->start();
    return area;
}

}  // namespace certagent::device
