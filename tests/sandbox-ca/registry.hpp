#pragma once
// The CA's register of issued certificates (table `certificates`): issuing puts a certificate
// there, login and revocation look it up. Callers own the transaction.
#include "ca_layout.hpp"
#include "cert_builder.hpp"
#include "database.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace certagent::sandbox {

struct HolderInfo {
    std::string common_name;  // "ION POPESCU"
    std::string given_name;   // optional
    std::string surname;      // optional
    std::string holder_id;    // subject serialNumber, ETSI semantics: "PNORO-1234567890123"
    std::string email;        // where the CA sends mail (not put in the certificate)
};
// C=RO, [SN, GN], serialNumber, CN: the subject a qualified certificate of the holder carries.
X509NamePtr holderSubject(const HolderInfo& h);

struct CertRecord {
    long long seq = 0;
    std::string serial;
    std::string holder_id;
    std::string subject;
    std::string common_name;
    std::string email;
    long long not_before = 0;
    long long not_after = 0;
    std::optional<long long> revoked_at;
    std::optional<std::string> revocation_reason;
    std::optional<std::string> product_id;
    std::optional<std::string> renewal_id;
    std::string pem;
};

std::string certStatus(const CertRecord& r, long long now);  // ACTIVE | EXPIRED | REVOKED
nlohmann::json certJson(const CertRecord& r, long long now);

// Issues a qualified-style certificate for `subject` (which must carry serialNumber, the
// holder id) and records it. Returns the record.
CertRecord issueAndRecord(Database& db, const CaMaterial& ca, const X509_NAME* subject,
                          EVP_PKEY* pub, const Validity& validity, const std::string& email,
                          const std::string& product_id = {}, const std::string& renewal_id = {});

// The holder's certificates with seq > after_seq whose status is in `statuses`, oldest first.
std::vector<CertRecord> listCertificates(Database& db, const std::string& holder_id,
                                         const std::vector<std::string>& statuses,
                                         long long after_seq, int limit);
std::optional<CertRecord> findCertificate(Database& db, const std::string& serial);
void revokeCertificate(Database& db, const std::string& serial, const std::string& reason);

}  // namespace certagent::sandbox
