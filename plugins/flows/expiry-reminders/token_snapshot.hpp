#pragma once
// What certagent.tokens/1 says about the connected tokens, as the engine's snapshots.
#include <nlohmann/json.hpp>
#include <vector>

#include "types.hpp"

namespace expiry_reminders {

// tokens: the list() answer ([{serial, label, ...}]); certificates: the certificates() answer
// ([{token, id, label, der (base64), subject, common_name, issuer, serial, not_before,
// not_after, qualified, private_key, error?}]). Every listed token gets a snapshot, also one
// with no certificate; an entry that cannot be read (an "error", a missing or bad field, no
// expiry) is left out: there is no expiry to remind about.
std::vector<TokenSnapshot> snapshotsFrom(const nlohmann::json& tokens,
                                         const nlohmann::json& certificates);

// SHA-256 of the DER, lower-case hex (the certificate's identity); empty when der is not base64.
std::string fingerprintOf(const std::string& derBase64);

}  // namespace expiry_reminders
