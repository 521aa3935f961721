#pragma once
// The journal's and the CLI's spelling of an enum: one table of (value, name) pairs read in
// both directions.
#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace certagent::renewal {

template <typename E, std::size_t N>
constexpr const char* nameIn(const std::pair<E, const char*> (&table)[N], E value,
                             const char* other) {
    for (const auto& [v, n] : table)
        if (v == value) return n;
    return other;
}

template <typename E, std::size_t N>
constexpr std::optional<E> parseIn(const std::pair<E, const char*> (&table)[N],
                                   std::string_view name) {
    for (const auto& [v, n] : table)
        if (name == n) return v;
    return std::nullopt;
}

}  // namespace certagent::renewal
