#pragma once
// The reminders area in `certagent-cli daemon` and the tray app (found by
// certagent/core/device/daemon_areas.cpp): reminders::start(agent) with the token service as
// reader. Reminders go to the agent's Notifier and, if configured, [reminders] command.
namespace certagent {
class Agent;
}

namespace certagent::reminders {

void startDaemonArea(Agent& agent);

}  // namespace certagent::reminders
