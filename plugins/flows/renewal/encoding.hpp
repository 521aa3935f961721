#pragma once
// Bytes as the renewal writes and reads them: hex (CKA_ID), base64 (the host's JSON), PEM (the
// CA's protocol), and times as ISO 8601 UTC text (the journal, the CA, the events).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace certagent::renewal {

using Bytes = std::vector<uint8_t>;

std::string toHex(const Bytes& b);  // lower case
// Throws Failure(invalid_input) for odd length or a non-hex character.
Bytes fromHex(std::string_view hex);
std::string upper(std::string s);

Bytes fromBase64(std::string_view text);  // Failure(invalid_input) when not base64
std::string derToPem(const Bytes& der, const char* label);
// The first PEM block of `pem` (certificate or request); Failure(invalid_input) when none.
Bytes pemToDer(const std::string& pem);

// Milliseconds since the Unix epoch <-> "2026-05-01T10:00:00Z".
std::string isoUtc(int64_t epochMs);
// Failure(invalid_input) when the text is not that shape.
int64_t parseIsoUtc(std::string_view text);

}  // namespace certagent::renewal
