#pragma once
// OpenSSL owners and small helpers private to the timestamps area.
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <ctime>
#include <memory>
#include <string>

#include "certagent/core/token/openssl_handles.hpp"

namespace certagent::tsa::detail {

template <auto Free>
using Deleter = token::OsslDeleter<Free>;

using TsRespPtr = std::unique_ptr<TS_RESP, Deleter<TS_RESP_free>>;
using TsReqPtr = std::unique_ptr<TS_REQ, Deleter<TS_REQ_free>>;
using TsMsgImprintPtr = std::unique_ptr<TS_MSG_IMPRINT, Deleter<TS_MSG_IMPRINT_free>>;
using X509AlgorPtr = std::unique_ptr<X509_ALGOR, Deleter<X509_ALGOR_free>>;
using Asn1IntPtr = std::unique_ptr<ASN1_INTEGER, Deleter<ASN1_INTEGER_free>>;
using Asn1ObjPtr = std::unique_ptr<ASN1_OBJECT, Deleter<ASN1_OBJECT_free>>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX_free>>;
using X509StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;

// OpenSSL's queued errors as one line, and the queue emptied.
std::string takeErrors();

std::string hexUpper(const unsigned char* data, std::size_t len);
std::string asn1IntegerHex(const ASN1_INTEGER* i);
std::string isoTime(std::time_t t);
std::string nameText(const X509_NAME* name);

// Trust anchors from a PEM bundle; throws TsaError(Config) when unreadable or empty.
X509StorePtr loadAnchors(const std::string& pem_file);

}  // namespace certagent::tsa::detail
