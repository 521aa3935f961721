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
template <typename T, auto Free>
using Ptr = std::unique_ptr<T, Deleter<Free>>;

using TsResp = Ptr<TS_RESP, TS_RESP_free>;
using TsReq = Ptr<TS_REQ, TS_REQ_free>;
using TsMsgImprint = Ptr<TS_MSG_IMPRINT, TS_MSG_IMPRINT_free>;
using TsTstInfo = Ptr<TS_TST_INFO, TS_TST_INFO_free>;
using Pkcs7 = Ptr<PKCS7, PKCS7_free>;
using X509Algor = Ptr<X509_ALGOR, X509_ALGOR_free>;
using Asn1Integer = Ptr<ASN1_INTEGER, ASN1_INTEGER_free>;
using Asn1Object = Ptr<ASN1_OBJECT, ASN1_OBJECT_free>;
using X509StoreCtx = Ptr<X509_STORE_CTX, X509_STORE_CTX_free>;
using X509Store = Ptr<X509_STORE, X509_STORE_free>;
using Bignum = Ptr<BIGNUM, BN_free>;
using MdCtx = Ptr<EVP_MD_CTX, EVP_MD_CTX_free>;
using Bio = Ptr<BIO, BIO_free_all>;

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
X509Store loadAnchors(const std::filesystem::path& pem_file);

}  // namespace certagent::timestamps::ossl
