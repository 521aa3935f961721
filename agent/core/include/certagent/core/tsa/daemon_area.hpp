#pragma once
// The timestamps area in `certagent-cli daemon` and the tray app (found by
// certagent/core/device/daemon_areas.cpp): registers the timestamps.* host methods.
namespace certagent {
class Agent;
}

namespace certagent::tsa {

void startDaemonArea(Agent& agent);

}  // namespace certagent::tsa
