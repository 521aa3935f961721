#pragma once
// CAdES detached signatures (ETSI EN 319 122-1 baseline B-B, optionally B-T), as PAdES embeds
// them: signed attributes content-type, message-digest and signing-certificate-v2; no
// signing-time (PAdES puts the claimed time in the signature dictionary's /M instead).
#include <certagent/core/pdf/signer.hpp>

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace certagent::pdf {

// Given the SignerInfo's signature value, returns a DER TimeStampToken (RFC 3161 ContentInfo)
// over it; it becomes the unsigned attribute signature-time-stamp (id-aa-timeStampToken).
using Timestamper = std::function<std::vector<uint8_t>(std::span<const uint8_t> signature_value)>;

// Builds a DER CMS SignedData without encapsulated content, for content whose digest (made
// with md_nid) is given. Embeds the signer's certificate and chain. Throws certagent::Error.
std::vector<uint8_t> buildCadesDetached(Signer& signer, std::span<const uint8_t> content_digest,
                                        int md_nid = NID_sha256,
                                        const Timestamper& timestamper = {});

// Adds a signature-time-stamp unsigned attribute to a SignerInfo (B-B -> B-T).
void addSignatureTimestamp(CMS_SignerInfo* si, std::span<const uint8_t> timestamp_token_der);

}  // namespace certagent::pdf
