#pragma once
// X.509 parsing for certificates read from tokens: names, validity, key usage and whether the
// certificate is qualified (EU eIDAS: ETSI EN 319 412-5 qcStatements, EN 319 411-2 policies).
#include "certagent/core/token/types.hpp"

namespace certagent::token {

// Parses DER. Throws certagent::Error(ErrorKind::InvalidInput) when it is not a certificate.
CertificateInfo parseCertificate(const Bytes& der);

// OIDs that make a certificate qualified when found in certificatePolicies.
// QCP-n, QCP-l, QCP-n-qscd, QCP-l-qscd, QCP-w (ETSI EN 319 411-2).
bool isEuQualifiedPolicy(std::string_view oid) noexcept;

}  // namespace certagent::token
