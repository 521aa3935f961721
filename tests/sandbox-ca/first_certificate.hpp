#pragma once
// A holder's first certificate, issued outside the renewal protocol (what happens at the CA's
// desk). Used by `enroll` (key on a PKCS#11 token) and `issue-cert` (key in a file, for tests).
#include "ca_layout.hpp"
#include "cli_args.hpp"
#include "registry.hpp"

#include <functional>

namespace certagent::sandbox {

// --cn, --holder-id, --email, with defaults: "ION POPESCU", a random PNORO-<13 digits>, and
// the name in lower case at example.test.
HolderInfo holderFromArgs(const CliArgs& args);

// Expires in `days_left` days (negative: already expired); notBefore lies `lifetime_years`
// before notAfter, so a certificate expiring in 12 days looks issued years ago.
Validity firstCertificateValidity(long long days_left, int lifetime_years);

// Issues and records the certificate; `install` runs before the database commit (e.g. writes
// it to the token), so a failed install leaves no certificate in the register.
CertRecord issueFirstCertificate(const CaLayout& layout, const HolderInfo& holder, EVP_PKEY* pub,
                                 const Validity& validity,
                                 const std::function<void(X509*)>& install);

}  // namespace certagent::sandbox
