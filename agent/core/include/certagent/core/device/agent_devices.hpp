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
#include "certagent/core/device/driver_check.hpp"
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
    std::shared_ptr<DriverWatch> drivers;  // null without a USB lister
};

// Starts monitoring; tokens already present are published as TokenInserted ("initial": true).
// With `usbLister` (platform::presentUsbDevices bound to usbFilter), each rescan also checks
// for plugged-in tokens without a driver (DriversMissing events).
DeviceArea startDeviceMonitor(Agent& agent, std::vector<std::unique_ptr<DeviceSource>> sources,
                              MonitorOptions options = {},
                              DriverWatch::UsbLister usbLister = {});

// MonitorOptions with the config's poll interval.
MonitorOptions monitorOptions(Agent& agent);

}  // namespace certagent::device
