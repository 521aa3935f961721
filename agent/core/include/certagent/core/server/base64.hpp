#pragma once
// Standard base64 (RFC 4648 section 4) with padding, strict: anything else is refused.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace certagent::server {

std::string base64Encode(std::span<const uint8_t> bytes);
// nullopt for characters outside the alphabet, bad padding or a length not a multiple of 4.
// Whitespace is not accepted.
std::optional<std::vector<uint8_t>> base64Decode(std::string_view text);

}  // namespace certagent::server
