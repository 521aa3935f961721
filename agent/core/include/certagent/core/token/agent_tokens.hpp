#pragma once
// Wires the token service to an Agent: token plugins' profiles, the config's [pkcs11] and
// [tokens.<name>] keys, and p11-kit. The CLI, the daemon and the GUI all build it this way.
#include "certagent/core/token/token_profile.hpp"
#include "certagent/core/token/token_service.hpp"

#include <memory>

namespace certagent {
class Agent;
}

namespace certagent::token {

// Profiles of the loaded token plugins; a plugin whose profile is unusable is logged and left
// out.
std::vector<TokenProfile> tokenProfiles(Agent& agent);

// A service over every module the agent should load (see resolveModules), whose tokens are
// claimed by the plugins' profiles. "Expiring" starts at the largest reminders.days_before.
std::unique_ptr<TokenService> makeTokenService(Agent& agent);

}  // namespace certagent::token
