#pragma once
// Builds an OpenSSL public key from a token key object's public attributes.
#include "certagent/core/token/openssl_handles.hpp"
#include "cryptoki.hpp"

namespace certagent::token::detail {

// RSA (CKA_MODULUS, CKA_PUBLIC_EXPONENT) or EC (CKA_EC_PARAMS, CKA_EC_POINT); null when the
// object lacks them (EC private keys usually have no point).
EvpPkeyPtr publicKeyFromObject(const Session& session, CK_OBJECT_HANDLE obj);

}  // namespace certagent::token::detail
