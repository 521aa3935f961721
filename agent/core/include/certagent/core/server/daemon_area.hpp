#pragma once
// The local signing server as a daemon area (certagent/core/device/daemon_areas.hpp): started
// when [server] enabled = true, with the consent [server] consent names.
namespace certagent {
class Agent;
}

namespace certagent::server {

// Starts the server and keeps it alive in the agent; does nothing when the server is disabled.
// Throws certagent::Error when it cannot bind or the consent source is unusable.
void startDaemonArea(Agent& agent);

}  // namespace certagent::server
