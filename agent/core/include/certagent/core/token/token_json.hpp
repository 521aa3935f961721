#pragma once
// Tokens and certificates as JSON, the one spelling shared by `certagent-cli tokens --json`,
// `certs --json` and the plugins' certagent.tokens/1 extension (docs/plugin-sdk.md).
#include <nlohmann/json.hpp>

#include "certagent/core/token/types.hpp"

namespace certagent::token {

// {"serial", "label", "manufacturer", "model", "plugin", "module", "slot", "pin_state",
//  "tries_left"?, "pin_pad"}
nlohmann::json tokenJson(const TokenInfo& token);
// {"token", "id", "label", "private_key": "present|absent|unknown_until_login",
//  "has_private_key": bool|null, and when readable "subject", "issuer", "common_name",
//  "serial", "not_before", "not_after", "days_left" (null: no expiry), "no_expiry",
//  "qualified", "status", "der" (base64); else "error"}
nlohmann::json certificateJson(const TokenCertificate& c, std::chrono::system_clock::time_point now,
                               int expiringWithinDays, bool withDer = false);

const char* keyPresenceName(KeyPresence presence) noexcept;  // "present", "absent", ...

// Standard base64 (with padding), how DER travels in JSON.
std::string base64(const Bytes& bytes);

}  // namespace certagent::token
