#pragma once
// Owning handles for the OpenSSL objects the PDF code uses, so no path leaks on an exception:
// core's one set (token/openssl_handles.hpp) plus the CMS and TS types only PDF code needs.
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/ess.h>
#include <openssl/evp.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <ctime>
#include <memory>
#include <optional>
#include <string>

#include "certagent/core/token/openssl_handles.hpp"

namespace certagent::pdf {

using token::OsslDeleter;

struct X509StackDeleter {
    void operator()(STACK_OF(X509) * s) const noexcept { sk_X509_pop_free(s, X509_free); }
};

using token::X509Ptr;
using X509StackPtr = std::unique_ptr<STACK_OF(X509), X509StackDeleter>;
using X509StorePtr = std::unique_ptr<X509_STORE, OsslDeleter<X509_STORE_free>>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, OsslDeleter<X509_STORE_CTX_free>>;
using token::EvpPkeyPtr;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, OsslDeleter<EVP_PKEY_CTX_free>>;
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, OsslDeleter<EVP_MD_CTX_free>>;
using token::BioPtr;
using token::derOf;
using CmsPtr = std::unique_ptr<CMS_ContentInfo, OsslDeleter<CMS_ContentInfo_free>>;
using Pkcs7Ptr = std::unique_ptr<PKCS7, OsslDeleter<PKCS7_free>>;
using TsVerifyCtxPtr = std::unique_ptr<TS_VERIFY_CTX, OsslDeleter<TS_VERIFY_CTX_free>>;
using TsTstInfoPtr = std::unique_ptr<TS_TST_INFO, OsslDeleter<TS_TST_INFO_free>>;
using EssSigningCertV2Ptr =
    std::unique_ptr<ESS_SIGNING_CERT_V2, OsslDeleter<ESS_SIGNING_CERT_V2_free>>;

// Drains OpenSSL's thread-local error queue into one line (empty when there was nothing).
std::string takeOpensslErrors();

// An ASN.1 time (UTCTime or GeneralizedTime) as seconds since the epoch; nothing when absent or
// unreadable.
std::optional<std::time_t> epochOf(const ASN1_TIME* t);

// Up-referenced copy of a borrowed stack (nullptr gives an empty stack).
X509StackPtr copyCertStack(const STACK_OF(X509) * certs);

// A store with the certificates of a PEM bundle as trust anchors. Throws InvalidInput.
X509StorePtr loadTrustStore(const std::string& pem_bundle_path);

}  // namespace certagent::pdf
