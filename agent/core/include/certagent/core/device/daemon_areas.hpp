#pragma once
// The headless agent's extension point: which areas `certagent-cli daemon` (and the tray app)
// start, in which order.
//
// An area that wants to run in the daemon provides the header
//   agent/core/include/certagent/core/<area>/daemon_area.hpp
// declaring, in namespace certagent::<area>,
//   void startDaemonArea(Agent& agent);
// which subscribes to the bus, schedules its jobs and keeps its objects alive with
// agent.keepAlive(...) (they are destroyed before the core services). It must not block: the
// daemon's main thread waits for a signal, every area runs on the bus, the scheduler or its
// own stoppable threads. A throwing start is logged and the daemon goes on without the area.
// startDaemonAreas() finds the header with __has_include, so adding an area changes no file
// outside it; the list of known areas (reminders, renewal, tsa, signing, server) is in
// agent/core/device/daemon_areas.cpp (one line per new area).
//
// Device monitoring starts after every other area (startDeviceMonitor, see agent_devices.hpp),
// so the areas receive the TokenInserted events of tokens already plugged in.
#include <string>
#include <vector>

namespace certagent {

class Agent;

struct AreaStartResult {
    std::string name;
    bool started = false;
    std::string error;  // user text when !started
};

// Starts every area present in this build, in order; never throws for one area's failure.
std::vector<AreaStartResult> startDaemonAreas(Agent& agent);

}  // namespace certagent
