#pragma once
// Builds the certificates of the sandbox hierarchy: CAs, the portal's TLS server certificate, the
// TSA certificate and qualified-style end-entity certificates. Profiles follow what a real
// qualified CA issues (ETSI EN 319 412-5 qcStatements, keyUsage nonRepudiation), so the agent is
// tested against realistic certificates, not against "anything OpenSSL accepts".
#include "ossl.hpp"

#include <string>
#include <utility>
#include <vector>

namespace certagent::sandbox {

using NameParts = std::vector<std::pair<std::string, std::string>>;  // {"C","RO"},{"CN","..."}
X509NamePtr makeName(const NameParts& parts);

struct Validity {
    long long not_before = 0;  // seconds since the epoch
    long long not_after = 0;
};
// [now - backdate_s, now + days]
Validity validityFromNow(long long days, long long backdate_s = 60);

// The policy OID the sandbox puts in issued certificates next to QCP-n-qscd (0.4.0.194112.1.2).
inline constexpr const char* kSandboxPolicyOid = "1.3.6.1.4.1.59999.1.1";

X509Ptr makeRootCa(const X509_NAME* subject, EVP_PKEY* key, const Validity& v);
// `crl_url`: a cRLDistributionPoints extension (the issuer's CRL, e.g. the root's).
X509Ptr makeSubCa(const X509_NAME* subject, EVP_PKEY* pub, X509* issuer, EVP_PKEY* issuer_key,
                  const Validity& v, const std::string& crl_url = {});
X509Ptr makeServerCert(EVP_PKEY* pub, X509* issuer, EVP_PKEY* issuer_key, const Validity& v);
X509Ptr makeTsaCert(const X509_NAME* subject, EVP_PKEY* pub, X509* issuer, EVP_PKEY* issuer_key,
                    const Validity& v, const std::string& crl_url = {});
// Test-only (serve --tsa-faults): a signing certificate like the TSA's but without the
// extended key usage timeStamping, which a client must refuse as a TSA.
X509Ptr makeTsaCertWithoutEku(const X509_NAME* subject, EVP_PKEY* pub, X509* issuer,
                              EVP_PKEY* issuer_key, const Validity& v);
// A qualified-style signature certificate (qcStatements QcCompliance + QcSSCD + QcType esign,
// certificatePolicies, keyUsage digitalSignature+nonRepudiation, EKU clientAuth+emailProtection
// so the holder can log in to the portal with it).
// With `ocsp_url` / `crl_url`: authorityInfoAccess OCSP and cRLDistributionPoints (RFC 5280).
X509Ptr makeQualifiedCert(const X509_NAME* subject, EVP_PKEY* pub, X509* issuer,
                          EVP_PKEY* issuer_key, const Validity& v, const std::string& ocsp_url = {},
                          const std::string& crl_url = {});

// True when the certificate carries the QcCompliance statement (what "qualified" means here).
bool hasQcCompliance(X509* cert);

}  // namespace certagent::sandbox
