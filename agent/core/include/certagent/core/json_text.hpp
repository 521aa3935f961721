#pragma once
// Events, notifications and host answers are loosely typed JSON: a field that is missing or of
// another type reads as no text.
#include <nlohmann/json.hpp>

#include <string>

namespace certagent {

// The string member `key` of `j`; "" when there is none or it is not a string.
inline std::string jsonText(const nlohmann::json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace certagent
