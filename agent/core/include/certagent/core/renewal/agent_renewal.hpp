#pragma once
// Wires the renewal engine to an Agent (config [renewal], state store, bus, notifier, token
// service) and registers the host methods plugins call: renewal.list, renewal.start,
// renewal.advance, renewal.answer, renewal.cancel.
#include <memory>

#include "certagent/core/renewal/engine.hpp"

namespace certagent {
class Agent;
}

namespace certagent::renewal {

EngineSettings settingsFrom(Agent& agent);

// An engine over the agent's services. `tokens` must outlive it. keepSession: see
// EngineDeps::keepSession (the tray's and the daemon's service keep it).
std::unique_ptr<Engine> makeEngine(Agent& agent, token::TokenService& tokens,
                                   token::PinCallback pin, std::shared_ptr<Prompter> prompter,
                                   bool keepSession = false);

// The daemon/GUI side: an engine kept alive by the agent, its host methods, reactions to
// UserAction events ("renew", "renewal.sign_declaration", "renewal.open_payment",
// "renewal.retry", "renewal.check", "renewal.cancel"), and scheduled resumption of waiting
// renewals. Work runs on its own thread. Returns the engine (owned by the agent).
Engine& attachRenewalService(Agent& agent, token::PinCallback pin);

}  // namespace certagent::renewal
