#include "revocation_publish.hpp"

#include "cert_builder.hpp"
#include "registry.hpp"

#include <openssl/x509v3.h>

#include <cstdio>
#include <ctime>

namespace certagent::sandbox {
namespace {

using CrlPtr = std::unique_ptr<X509_CRL, OsslDeleter<X509_CRL_free>>;

int reasonCode(const std::string& name) {
    static const char* kNames[] = {
        "unspecified",  "keyCompromise",        "cACompromise",    "affiliationChanged",
        "superseded",   "cessationOfOperation", "certificateHold", "",
        "removeFromCRL"};
    for (int i = 0; i < 9; ++i)
        if (name == kNames[i]) return i;
    return 0;
}

std::string indexTime(long long epoch) {
    std::time_t t = static_cast<std::time_t>(epoch);
    std::tm tm{};
    gmtime_r(&t, &tm);
    // UTCTime, as openssl ca writes it (two-digit year).
    char buf[32];
    std::snprintf(buf, sizeof buf, "%02d%02d%02d%02d%02d%02dZ", tm.tm_year % 100, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

using TimePtr = std::unique_ptr<ASN1_TIME, OsslDeleter<ASN1_TIME_free>>;

Validity validityOf(X509* cert) {
    auto epoch = [](const ASN1_TIME* t) {
        std::tm tm{};
        ASN1_TIME_to_tm(t, &tm);
        return static_cast<long long>(timegm(&tm));
    };
    return {epoch(X509_get0_notBefore(cert)), epoch(X509_get0_notAfter(cert))};
}

// A v2 CRL issued now, valid for a day.
CrlPtr newCrl() {
    CrlPtr crl(X509_CRL_new());
    X509_CRL_set_version(crl.get(), 1);
    const std::time_t now = std::time(nullptr);
    TimePtr this_update(ASN1_TIME_set(nullptr, now - 60)),
        next_update(ASN1_TIME_set(nullptr, now + 86400));
    X509_CRL_set1_lastUpdate(crl.get(), this_update.get());
    X509_CRL_set1_nextUpdate(crl.get(), next_update.get());
    return crl;
}

std::vector<unsigned char> signedCrl(X509_CRL* crl, X509* issuer, EVP_PKEY* key) {
    X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer));
    X509_CRL_sort(crl);
    if (!X509_CRL_sign(crl, key, EVP_sha256())) throwOpenssl("X509_CRL_sign");
    unsigned char* der = nullptr;
    const int n = i2d_X509_CRL(crl, &der);
    if (n <= 0) throwOpenssl("i2d_X509_CRL");
    std::vector<unsigned char> out(der, der + n);
    OPENSSL_free(der);
    return out;
}

}  // namespace

void setPublication(const CaLayout& layout, const std::string& ocsp_url, const std::string& crl_url,
                    const std::string& root_crl_url) {
    auto ca = loadCaMaterial(layout);  // fails clearly on a directory that is not a sandbox CA
    writeText(layout.publication(), "ocsp=" + ocsp_url + "\ncrl=" + crl_url + "\n");
    if (root_crl_url.empty()) return;
    auto root_key = loadKey(layout.rootKey());
    auto issuing =
        makeSubCa(X509_get_subject_name(ca.issuing.get()), X509_get0_pubkey(ca.issuing.get()),
                  ca.root.get(), root_key.get(), validityOf(ca.issuing.get()), root_crl_url);
    auto old_tsa = loadCert(layout.tsaCert());
    auto tsa = makeTsaCert(X509_get_subject_name(old_tsa.get()), X509_get0_pubkey(old_tsa.get()),
                           ca.root.get(), root_key.get(), validityOf(old_tsa.get()), root_crl_url);
    writeText(layout.issuingCert(), toPem(issuing.get()));
    writeText(layout.caChain(), toPem(issuing.get()) + toPem(ca.root.get()));
    writeText(layout.tsaCert(), toPem(tsa.get()));
}

std::vector<unsigned char> makeRootCrl(const CaLayout& layout) {
    auto root = loadCert(layout.rootCert());
    auto key = loadKey(layout.rootKey());
    auto crl = newCrl();
    return signedCrl(crl.get(), root.get(), key.get());
}

std::vector<unsigned char> makeCrl(Database& db, const CaMaterial& ca) {
    auto crl = newCrl();
    auto q = db.prepare(
        "SELECT serial, revoked_at, revocation_reason FROM certificates WHERE revoked_at IS NOT "
        "NULL ORDER BY seq");
    while (q.step()) {
        X509_REVOKED* entry = X509_REVOKED_new();
        BIGNUM* bn = nullptr;
        BN_hex2bn(&bn, q.text(0).c_str());
        Asn1IntPtr serial(BN_to_ASN1_INTEGER(bn, nullptr));
        BN_free(bn);
        X509_REVOKED_set_serialNumber(entry, serial.get());
        TimePtr when(ASN1_TIME_set(nullptr, static_cast<std::time_t>(q.integer(1))));
        X509_REVOKED_set_revocationDate(entry, when.get());
        ASN1_ENUMERATED* reason = ASN1_ENUMERATED_new();
        ASN1_ENUMERATED_set(reason, reasonCode(q.isNull(2) ? "" : q.text(2)));
        X509_REVOKED_add1_ext_i2d(entry, NID_crl_reason, reason, 0, 0);
        ASN1_ENUMERATED_free(reason);
        X509_CRL_add0_revoked(crl.get(), entry);
    }
    return signedCrl(crl.get(), ca.issuing.get(), ca.issuing_key.get());
}

std::string ocspIndex(Database& db) {
    std::string out;
    auto q = db.prepare(
        "SELECT serial, not_after, revoked_at, revocation_reason, subject FROM certificates "
        "ORDER BY seq");
    while (q.step()) {
        const bool revoked = !q.isNull(2);
        out += revoked ? "R\t" : "V\t";
        out += indexTime(q.integer(1)) + "\t";
        if (revoked) out += indexTime(q.integer(2)) + (q.isNull(3) ? "" : "," + q.text(3));
        out += "\t" + q.text(0) + "\tunknown\t/" + q.text(4) + "\n";
    }
    return out;
}

}  // namespace certagent::sandbox
