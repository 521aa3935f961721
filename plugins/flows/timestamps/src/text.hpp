#pragma once
// The plugin's messages: translated with the agent's catalog (sdk::tr, through certagent.text/1;
// the msgids are the ones core used, so agent/po keeps translating them) and filled in the way
// the catalog spells its placeholders: "{0}", "{1}", ...
#include <certagent/sdk/plugin.hpp>

#include <initializer_list>
#include <string>
#include <type_traits>

namespace certagent::timestamps {

namespace detail {
inline std::string text(const std::string& s) { return s; }
inline std::string text(const char* s) { return s ? s : ""; }
template <typename T>
    requires std::is_arithmetic_v<T>
std::string text(T v) {
    return std::to_string(v);
}
std::string fill(std::string pattern, std::initializer_list<std::string> args);
}  // namespace detail

// say(_("Timestamps left: {0}"), 12): the (already translated) pattern with its arguments.
template <typename... A>
std::string say(const char* pattern, const A&... args) {
    return detail::fill(pattern ? pattern : "", {detail::text(args)...});
}

}  // namespace certagent::timestamps
