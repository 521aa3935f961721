#pragma once
// `enroll`: generate a key pair on a PKCS#11 token and install the holder's first certificate
// next to it, under one CKA_ID and label, as a CA's registration desk would.
#include "ca_layout.hpp"
#include "registry.hpp"

#include <string>

namespace certagent::sandbox {

struct TokenEnrollOptions {
    std::string module;                // PKCS#11 library path
    std::string token_label;           // CK_TOKEN_INFO.label
    std::string pin;                   // wiped by the caller
    std::string key_type = "rsa2048";  // rsa2048 | ec256
    std::string object_id;             // CKA_ID as hex
    std::string label;                 // CKA_LABEL of key pair and certificate
};

// Returns the recorded certificate. Throws certagent::Error (Token, PinIncorrect, ...); on
// failure after key generation the new key pair is destroyed again.
CertRecord enrollOnToken(const CaLayout& layout, const HolderInfo& holder, const Validity& validity,
                         const TokenEnrollOptions& options);

}  // namespace certagent::sandbox
