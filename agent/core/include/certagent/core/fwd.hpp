#pragma once
// Forward declarations of the agent's root objects, for headers that only pass them by reference.

namespace certagent {
class Agent;
namespace config {
class Config;
}  // namespace config
}  // namespace certagent
