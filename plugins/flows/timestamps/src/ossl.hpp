#pragma once
// The plugin's own OpenSSL owners and helpers (it builds against the SDK only, so it does not
// share core's; these are the few the RFC 3161 code needs).
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <ctime>
#include <filesystem>
#include <memory>
#include <span>
#include <string>

namespace certagent::timestamps::ossl {

template <auto Free>
struct Deleter {
    template <typename T>
    void operator()(T* p) const noexcept {
        Free(p);
    }
};
template <typename FreeFn>
struct FreedBy;
template <typename T>
struct FreedBy<void (*)(T*)> {
    using type = T;
};
// An owner named by the function that frees it: Owned<TS_REQ_free> holds a TS_REQ*.
template <auto Free>
using Owned = std::unique_ptr<typename FreedBy<decltype(Free)>::type, Deleter<Free>>;

// OpenSSL's queued errors as one line, and the queue emptied.
std::string takeErrors();

std::string hexUpper(std::span<const uint8_t> bytes);
std::string asn1IntegerHex(const ASN1_INTEGER* i);
std::string nameText(const X509_NAME* name);
// ISO 8601 UTC ("2026-12-03T11:24:08Z"); and an ASN.1 time as seconds since the epoch (0 when
// unreadable). Both without the C library's time zone functions.
std::string isoTime(std::time_t t);
std::time_t epochOf(const ASN1_TIME* t);

// Trust anchors from a PEM bundle; throws TsaError(Config) when unset, unreadable or empty.
Owned<X509_STORE_free> loadAnchors(const std::filesystem::path& pem_file);

}  // namespace certagent::timestamps::ossl
