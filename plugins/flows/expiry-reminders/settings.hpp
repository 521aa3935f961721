#pragma once
// [reminders] as the plugin reads it through certagent.config/1. The agent's config loader has
// checked the types and ranges already; the plugin checks again, since a value it cannot use
// must turn reminders off with a clear line, never half-apply.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace expiry_reminders {

struct Settings {
    bool enabled = true;
    std::vector<int> thresholds{60, 30, 14, 7, 3, 1};  // days_before, normalised
    std::vector<std::string> command;                  // argv; empty: no hook
};

inline constexpr int kMaxDaysBefore = 3650;

// From the three values (null: the default). Throws certagent::sdk::PluginError
// (CA_ERR_INVALID_ARGUMENT) naming the key and what it must be.
Settings parseSettings(const nlohmann::json& enabled, const nlohmann::json& daysBefore,
                       const nlohmann::json& command);

}  // namespace expiry_reminders
