#pragma once
// The sandbox CA's revocation services: the addresses it writes into what it issues (`publish`),
// its CRL (`crl`, and GET /crl/qualified-ca.crl on the TSA's http listener), and the register as
// an `openssl ca` index file (`ocsp-index`), so `openssl ocsp -index` can answer for it.
#include "ca_layout.hpp"
#include "database.hpp"

#include <string>
#include <vector>

namespace certagent::sandbox {

inline constexpr const char* kCrlPath = "/crl/qualified-ca.crl";
inline constexpr const char* kRootCrlPath = "/crl/root-ca.crl";

// Writes the OCSP and CRL addresses for certificates issued from now on (empty: none).
// A non-empty `root_crl_url` also issues the issuing CA and TSA certificates again (same keys,
// names and validity) with that address as their CRL distribution point, so a verifier can
// learn their status from the root's CRL.
void setPublication(const CaLayout& layout, const std::string& ocsp_url, const std::string& crl_url,
                    const std::string& root_crl_url = {});

// The root's CRL (DER), signed by the root: nothing revoked; thisUpdate now, nextUpdate in a day.
std::vector<unsigned char> makeRootCrl(const CaLayout& layout);

// The issuing CA's CRL (DER) with every revoked certificate of the register, reason included;
// thisUpdate now, nextUpdate in a day.
std::vector<unsigned char> makeCrl(Database& db, const CaMaterial& ca);

// The register as `openssl ca` keeps it (index.txt): V and R lines, serials in hex.
std::string ocspIndex(Database& db);

}  // namespace certagent::sandbox
