#pragma once
// unique_ptr aliases so every OpenSSL handle the token code touches is released exactly once.
#include <memory>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

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

}  // namespace certagent::token
