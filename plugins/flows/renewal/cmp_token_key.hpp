#pragma once
// A key on the token as an OpenSSL EVP_PKEY, for OpenSSL's CMP client: the public half is real,
// and every signature goes to a callback (BackendContext::signDigest, the renewal's logged-in
// token session). OpenSSL 3.0 on Debian 12 has no PKCS#11 provider; a key with its own
// RSA_METHOD / EC_KEY_METHOD is what libp11's engine makes too, and OpenSSL keeps such
// "foreign" keys on its legacy signing path, which calls the method's sign function with the
// digest. RSA PKCS#1 v1.5 and ECDSA; the hash is the one OpenSSL asks for.
#include <openssl/evp.h>

#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "encoding.hpp"

namespace certagent::renewal::cmp {

// Signs `digest` (made with hash "sha256", "sha384", ...) and answers the signature: PKCS#1
// v1.5 for RSA, DER ECDSA-Sig-Value for EC.
using DigestSigner = std::function<Bytes(const std::string& hash, std::span<const uint8_t> digest)>;

class TokenKey {
  public:
    // Throws Failure(invalid_input) when `publicKeyDer` (SubjectPublicKeyInfo) is neither RSA
    // nor EC.
    TokenKey(const Bytes& publicKeyDer, DigestSigner signer);
    ~TokenKey();
    TokenKey(const TokenKey&) = delete;
    TokenKey& operator=(const TokenKey&) = delete;

    // Owned by this object; OpenSSL objects that keep it take their own reference (and must
    // be freed before this object goes).
    EVP_PKEY* pkey() const { return pkey_; }
    // The exception the signer threw inside OpenSSL (which only saw a failed signature), once.
    std::exception_ptr takeError();

    struct State;  // what the sign functions reach through the key's ex_data

  private:
    std::unique_ptr<State> state_;
    EVP_PKEY* pkey_ = nullptr;
};

}  // namespace certagent::renewal::cmp
