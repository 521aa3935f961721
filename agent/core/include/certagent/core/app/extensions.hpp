#pragma once
// The host extensions of the agent's areas, for plugins (abi.h): certagent.tokens/1 (token
// sessions through the program's PIN prompt), certagent.documents/1 (PAdES/CAdES signing and
// verification), certagent.http/1 (the agent's TLS-verifying client, with a token key for
// TLS client authentication) and certagent.process/1 (a configured program with the session's
// basic environment). Installed before plugins load (AgentOptions::before_plugins) by
// both the composition root and the CLI; what a plugin holds (sessions) goes when it goes.
#include "certagent/core/agent.hpp"
#include "certagent/core/token/token_service.hpp"

namespace certagent::app {

class Extensions {
public:
    virtual ~Extensions() = default;
    // How a plugin's login asks for the PIN (the program's adapter). Unset: logins fail with
    // Cancelled ("this program cannot ask for the PIN").
    virtual void setPin(token::PinCallback pin) = 0;
};

// Registers the extensions on agent.services(); the returned object lives as long as the
// agent.
Extensions& installExtensions(Agent& agent);
// The agent's, or nullptr when they were not installed.
Extensions* findExtensions(Agent& agent);

}  // namespace certagent::app
