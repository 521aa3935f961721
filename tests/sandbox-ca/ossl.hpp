#pragma once
// RAII owners for the OpenSSL objects the sandbox CA handles, and the few conversions every part
// needs (PEM in and out, random serials, fingerprints). Each failure becomes a certagent::Error
// carrying OpenSSL's own error text, so a bad file names itself.
#include <certagent/core/error.hpp>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace certagent::sandbox {

template <auto Fn>
struct OsslDeleter {
    template <class T>
    void operator()(T* p) const noexcept {
        Fn(p);
    }
};

using X509Ptr = std::unique_ptr<X509, OsslDeleter<X509_free>>;
using X509ReqPtr = std::unique_ptr<X509_REQ, OsslDeleter<X509_REQ_free>>;
using PKeyPtr = std::unique_ptr<EVP_PKEY, OsslDeleter<EVP_PKEY_free>>;
using X509StorePtr = std::unique_ptr<X509_STORE, OsslDeleter<X509_STORE_free>>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, OsslDeleter<X509_STORE_CTX_free>>;
using X509NamePtr = std::unique_ptr<X509_NAME, OsslDeleter<X509_NAME_free>>;
using X509ExtPtr = std::unique_ptr<X509_EXTENSION, OsslDeleter<X509_EXTENSION_free>>;
using BioPtr = std::unique_ptr<BIO, OsslDeleter<BIO_free_all>>;
using Asn1IntPtr = std::unique_ptr<ASN1_INTEGER, OsslDeleter<ASN1_INTEGER_free>>;
using BnPtr = std::unique_ptr<BIGNUM, OsslDeleter<BN_free>>;
// sk_X509_free is a macro, so it cannot be a template argument; this stack does not own its
// certificates (borrowed references).
struct X509StackFree {
    void operator()(STACK_OF(X509) * s) const noexcept { sk_X509_free(s); }
};
using X509StackPtr = std::unique_ptr<STACK_OF(X509), X509StackFree>;

// Throws certagent::Error(kind) with `what` and the drained OpenSSL error queue.
[[noreturn]] void throwOpenssl(const std::string& what, ErrorKind kind = ErrorKind::Internal);
// The drained OpenSSL error queue as one line (empty when there is none).
std::string opensslErrors();

PKeyPtr generateKey(const std::string& spec);  // "ec256", "ec384", "rsa2048", "rsa3072"

std::string toPem(X509* cert);
std::string toPem(EVP_PKEY* key);  // private key, PKCS#8, unencrypted (sandbox only)
std::string publicKeyPem(EVP_PKEY* key);
std::vector<unsigned char> toDer(X509* cert);

X509Ptr certFromPem(const std::string& pem);
std::vector<X509Ptr> certsFromPem(const std::string& pem);
X509Ptr certFromDer(const std::vector<unsigned char>& der);
PKeyPtr keyFromPem(const std::string& pem);
X509ReqPtr csrFromPem(const std::string& pem);

X509Ptr loadCert(const std::filesystem::path& file);
PKeyPtr loadKey(const std::filesystem::path& file);
// Writes text with mode 0600 when private, else 0644.
void writeText(const std::filesystem::path& file, const std::string& text, bool secret = false);
std::string readText(const std::filesystem::path& file);

std::string serialHex(const X509* cert);  // upper-case hex, no leading zeros stripped
std::string sha256Hex(const void* data, size_t size);
inline std::string sha256Hex(const std::string& s) { return sha256Hex(s.data(), s.size()); }
std::string randomHex(size_t bytes);
std::string certFingerprint(X509* cert);  // SHA-256 of the DER, hex

// Subject attribute text (first entry), e.g. NID_commonName; empty when absent.
std::string nameEntry(const X509_NAME* name, int nid);
std::string nameOneLine(const X509_NAME* name);  // RFC 2253 form
// Seconds since the epoch for an ASN1_TIME.
long long asn1ToEpoch(const ASN1_TIME* t);
std::string epochToIso(long long epoch);  // 2026-01-02T03:04:05Z

}  // namespace certagent::sandbox
