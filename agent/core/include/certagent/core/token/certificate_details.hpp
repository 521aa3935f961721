#pragma once
// Everything a person or a CA's help desk asks about a certificate: names field by field,
// serial, validity, key, key usages, policies, qualified statements (ETSI EN 319 412-5),
// fingerprints and the chain up to a trust anchor. Shown by `certs --json` and by the tray's
// certificate window; exported as DER or PEM.
#include "certagent/core/token/types.hpp"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace certagent::token {

struct NameField {
    std::string type;   // short name ("CN", "O", "serialNumber") or the dotted OID
    std::string label;  // long name ("commonName"), for people
    std::string value;  // UTF-8
};

struct NamedOid {
    std::string oid;
    std::string name;  // known name ("QCP-n-qscd", "TLS Web Client Authentication"), or ""
};

struct QcStatements {
    bool compliance = false;          // QcCompliance (0.4.0.1862.1.1): an EU qualified certificate
    bool sscd = false;                // QcSSCD (0.4.0.1862.1.4): the key is in a QSCD
    std::vector<std::string> types;   // QcType: "esign", "eseal", "web" (or the OID)
    std::optional<int> retentionYears;  // QcRetentionPeriod
    std::vector<std::string> pdsUrls;   // QcPDS: the CA's PKI disclosure statements
    std::vector<std::string> ids;       // every statement's OID, as found
};

struct ChainLink {
    std::string subject;  // RFC 2253
    std::string issuer;
    std::string sha256;   // "AB:CD:..."
    std::string source;   // "certificate" (the one asked about) | "token" | "system"
    bool selfSigned = false;
    Bytes der;
};

struct CertificateDetails {
    CertificateInfo info;  // what parseCertificate() reads (subject, validity, key, ...)
    int version = 3;
    std::vector<NameField> subjectFields;
    std::vector<NameField> issuerFields;
    std::string signatureAlgorithm;  // "sha256WithRSAEncryption", "ecdsa-with-SHA256", ...
    std::string curve;               // EC keys: "prime256v1", ...
    std::vector<NamedOid> extendedKeyUsage;
    std::vector<NamedOid> policies;
    QcStatements qc;
    std::string sha256;  // fingerprints, upper-case hex with colons
    std::string sha1;
    // From this certificate to its root, as far as it could be built from `candidates` and the
    // system's trust store; chainTrusted says whether it ends in a trusted root, chainProblem
    // why not (OpenSSL's reason, e.g. "unable to get local issuer certificate").
    std::vector<ChainLink> chain;
    bool chainTrusted = false;
    std::string chainProblem;
};

// Certificates a chain may be built from (e.g. every certificate on a token), decoded once: a
// listing builds many chains, and OpenSSL 3 decodes a certificate's key slowly.
class ChainCandidates {
public:
    ChainCandidates() = default;
    explicit ChainCandidates(const std::vector<Bytes>& ders);  // undecodable ones are skipped
    ~ChainCandidates();
    ChainCandidates(ChainCandidates&&) noexcept;
    ChainCandidates& operator=(ChainCandidates&&) noexcept;
    struct Entry;
    const std::vector<Entry>& entries() const noexcept { return entries_; }

private:
    std::vector<Entry> entries_;
};

// Parses DER (throws Error(InvalidInput) when it is not a certificate) and builds the chain from
// `candidates` (other certificates, e.g. the token's CA certificates) and, when
// useSystemStore, the system's trust anchors. Validity dates do not stop the chain.
CertificateDetails certificateDetails(const Bytes& der, const std::vector<Bytes>& candidates = {},
                                      bool useSystemStore = true);
CertificateDetails certificateDetails(const Bytes& der, const ChainCandidates& candidates,
                                      bool useSystemStore = true);
// The same for a certificate parseCertificate() already read (a listing has them all).
CertificateDetails certificateDetails(const CertificateInfo& info,
                                      const ChainCandidates& candidates,
                                      bool useSystemStore = true);

// The fields `certs --json` adds to a certificate: subject_fields, issuer_fields, version,
// signature_algorithm, key {type, bits, curve}, key_usage, extended_key_usage, policies,
// qc_statements, fingerprints {sha256, sha1}, chain [...], chain_trusted, chain_problem.
nlohmann::json detailsJson(const CertificateDetails& details);

enum class ExportFormat { Der, Pem };
// "der" | "pem"; nullopt otherwise.
std::optional<ExportFormat> parseExportFormat(std::string_view name);
// The certificate encoded for export (PEM: "-----BEGIN CERTIFICATE-----", 64-column base64).
Bytes exportCertificate(const Bytes& der, ExportFormat format);

}  // namespace certagent::token
