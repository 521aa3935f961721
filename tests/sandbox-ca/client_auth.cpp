#include "client_auth.hpp"

#include "api_error.hpp"
#include "renewal_state.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace certagent::sandbox {

Login authenticate(const httplib::Request& req, const CaMaterial& ca, Database& db) {
    X509Ptr peer(req.ssl ? SSL_get1_peer_certificate(req.ssl) : nullptr);
    if (!peer)
        throw ApiError(401, "CLIENT_CERT_REQUIRED",
                       "log in with your qualified certificate (TLS client authentication)");

    X509StorePtr store(X509_STORE_new());
    X509_STORE_add_cert(store.get(), ca.root.get());
    X509StackPtr untrusted(sk_X509_new_null());
    sk_X509_push(untrusted.get(), ca.issuing.get());
    X509StoreCtxPtr ctx(X509_STORE_CTX_new());
    X509_STORE_CTX_init(ctx.get(), store.get(), peer.get(), untrusted.get());
    X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_CLIENT);
    if (X509_verify_cert(ctx.get()) != 1) {
        int err = X509_STORE_CTX_get_error(ctx.get());
        std::string reason = X509_verify_cert_error_string(err);
        if (err == X509_V_ERR_CERT_HAS_EXPIRED)
            throw ApiError(
                401, "CLIENT_CERT_EXPIRED",
                "your certificate has expired; it can no longer be renewed online",
                {{"not_after", epochToIso(asn1ToEpoch(X509_get0_notAfter(peer.get())))}});
        if (err == X509_V_ERR_CERT_NOT_YET_VALID)
            throw ApiError(401, "CLIENT_CERT_NOT_YET_VALID", "your certificate is not valid yet");
        throw ApiError(
            401, "CLIENT_CERT_UNTRUSTED", "the certificate was not issued by this CA",
            {{"verify_error", reason}, {"issuer", nameOneLine(X509_get_issuer_name(peer.get()))}});
    }
    ERR_clear_error();

    auto serial = serialHex(peer.get());
    auto record = findCertificate(db, serial);
    // Same serial but other bytes would be a forgery that still chains; compare the whole cert.
    if (!record || certFingerprint(certFromPem(record->pem).get()) != certFingerprint(peer.get()))
        throw ApiError(401, "CLIENT_CERT_UNKNOWN", "the certificate is not in this CA's register",
                       {{"serial", serial}});
    if (record->revoked_at)
        throw ApiError(403, "CLIENT_CERT_REVOKED", "your certificate has been revoked",
                       {{"serial", serial},
                        {"revoked_at", epochToIso(*record->revoked_at)},
                        {"reason", record->revocation_reason.value_or("")}});
    return Login{std::move(peer), std::move(*record)};
}

}  // namespace certagent::sandbox
