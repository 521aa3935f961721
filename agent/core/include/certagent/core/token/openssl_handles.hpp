#pragma once
// Core's OpenSSL handles (unique_ptr aliases, so every handle is released exactly once) and the
// one way core turns an OpenSSL object into DER.
#include <cstdint>
#include <memory>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <vector>

namespace certagent::token {

template <auto Fn>
struct OsslDeleter {
    template <typename T>
    void operator()(T* p) const noexcept {
        Fn(p);
    }
};

using X509Ptr = std::unique_ptr<X509, OsslDeleter<X509_free>>;
using X509ReqPtr = std::unique_ptr<X509_REQ, OsslDeleter<X509_REQ_free>>;
using X509NamePtr = std::unique_ptr<X509_NAME, OsslDeleter<X509_NAME_free>>;
using X509ExtPtr = std::unique_ptr<X509_EXTENSION, OsslDeleter<X509_EXTENSION_free>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, OsslDeleter<EVP_PKEY_free>>;
using BioPtr = std::unique_ptr<BIO, OsslDeleter<BIO_free_all>>;

// An object's DER encoding by its OpenSSL i2d function, e.g. derOf<i2d_PUBKEY>(key). Empty when
// OpenSSL cannot encode it.
template <auto I2d, typename T>
std::vector<std::uint8_t> derOf(T* object) {
    const int n = I2d(object, nullptr);
    if (n <= 0) return {};
    std::vector<std::uint8_t> out(static_cast<std::size_t>(n));
    unsigned char* p = out.data();
    if (I2d(object, &p) != n) return {};
    return out;
}

// A certificate's DER encoding (empty when OpenSSL cannot encode it).
inline std::vector<std::uint8_t> derOf(const X509* cert) { return derOf<i2d_X509>(cert); }

}  // namespace certagent::token
