#pragma once
// Wires device monitoring to an Agent: the token plugins' USB ids, a TokenTracker on the
// agent's token service, the poll interval from config ([devices] poll_interval_seconds).
// Core does not link the platform code, so the caller passes the sources in:
//
//   auto monitor = device::startDeviceMonitor(
//       agent, platform::makeDeviceSources(device::usbFilter(agent)));
//
// The monitor is kept alive by the agent (Agent::keepAlive) and stopped before it goes.
#include <memory>
#include <vector>

#include "certagent/core/device/device_monitor.hpp"
#include "certagent/core/device/device_source.hpp"
#include "certagent/core/device/token_tracker.hpp"

namespace certagent {
class Agent;
}

namespace certagent::device {

// VID:PIDs declared by the loaded token plugins, plus smart-card class devices.
UsbIdFilter usbFilter(Agent& agent);

struct DeviceArea {
    std::shared_ptr<TokenTracker> tracker;
    std::shared_ptr<DeviceMonitor> monitor;
};

// Starts monitoring; tokens already present are published as TokenInserted ("initial": true).
DeviceArea startDeviceMonitor(Agent& agent, std::vector<std::unique_ptr<DeviceSource>> sources,
                              MonitorOptions options = {});

// MonitorOptions with the config's poll interval.
MonitorOptions monitorOptions(Agent& agent);

}  // namespace certagent::device
