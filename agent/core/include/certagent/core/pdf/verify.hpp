#pragma once
// Checks every signature in a PDF: what the byte ranges cover, the CMS over them, the signer's
// chain against given trust anchors, PAdES attributes (signing-certificate-v2, timestamp) and
// whether the certificate is qualified.
#include <certagent/core/pdf/ossl_ptr.hpp>

#include <array>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace certagent::pdf {

enum class SignatureStatus {
    Valid,      // intact, cryptographically valid, chain trusted
    Untrusted,  // intact and valid, but the chain does not reach a trust anchor (or expired)
    Modified,   // the signed bytes changed after signing, or the signature value is wrong
    Malformed,  // /ByteRange or /Contents do not describe a usable signature
};

const char* signatureStatusName(SignatureStatus s) noexcept;  // "valid", "untrusted", ...

using Der = std::vector<uint8_t>;

// Validation data a document carries for its signatures: certificates, OCSP responses and CRLs
// from the CMS (certificates, CAdES revocation-values, Adobe's revocationInfoArchival) and, in
// a PDF, from the Document Security Store (/DSS). Only read here; checked by whoever uses them.
struct ValidationMaterial {
    std::vector<Der> certificates;
    std::vector<Der> ocsp_responses;  // OCSPResponse (or a bare BasicOCSPResponse)
    std::vector<Der> crls;
    bool empty() const { return certificates.empty() && ocsp_responses.empty() && crls.empty(); }
};

// The final word on a signature, in the vocabulary of ETSI EN 319 102-1 (5.1.3).
enum class Indication { TotalPassed, TotalFailed, Indeterminate };
const char* indicationName(Indication i) noexcept;  // "TOTAL-PASSED", "TOTAL-FAILED", ...

enum class RevocationStatus { Good, Revoked, Unknown };
const char* revocationStatusName(RevocationStatus s) noexcept;  // "good", "revoked", "unknown"

// The revocation status of one certificate of a signer's chain and where it came from.
struct CertificateStatus {
    std::string subject, serial_hex;
    RevocationStatus status = RevocationStatus::Unknown;
    // "embedded-ocsp", "embedded-crl", "cached-ocsp", "cached-crl", "ocsp", "crl"; empty when
    // no usable evidence was found.
    std::string source;
    std::string url;      // where it was fetched from (online and cached sources)
    std::string reason;   // unknown: why ("unreachable", "wrong_nonce", "stale", ...; docs)
    std::string message;  // one translated sentence
    std::optional<std::time_t> revoked_at;
    std::string revocation_reason;  // CRL reason name (keyCompromise, ...) when known
    std::optional<std::time_t> this_update, next_update;
    Der evidence;  // the OCSPResponse or CRL that decided (DER), for embedding (B-LT)
    bool evidence_is_ocsp = false;
};

// One change made in an incremental update after a signed revision (docs/pdf-signing.md,
// "Changes after signing").
struct DocumentChange {
    bool allowed = false;
    std::string what;  // translated: "page 1: its content was changed", "a DSS was added", ...
};

struct SignatureReport {
    SignatureStatus status = SignatureStatus::Malformed;
    std::string message;  // one translated sentence for the user

    // Signature dictionary (empty when the PDF structure could not be read).
    std::string field_name;
    std::string sub_filter;    // ETSI.CAdES.detached for PAdES
    std::string claimed_time;  // /M, as written in the PDF
    std::string reason, location, name;

    // Byte ranges.
    std::array<int64_t, 4> byte_range{};
    bool byte_range_ok = false;      // [0, a, b, c]: the gap is exactly the /Contents string
    bool covers_whole_file = false;  // b + c == file size: nothing was appended afterwards
    int revision = 0;                // 1-based index of this signature's revision
    int revisions_after = 0;         // incremental updates appended after it

    // CMS.
    bool cms_valid = false;  // message digest over the ranges and signature value both match
    std::string digest_algorithm;
    std::string signer_subject, signer_issuer, signer_serial_hex;
    std::string signer_not_before, signer_not_after;  // ISO 8601 UTC
    bool chain_trusted = false;
    std::string chain_message;
    bool qualified = false;  // qcStatements with QcCompliance (0.4.0.1862.1.1)

    bool signing_certificate_v2_present = false;
    bool signing_certificate_v2_matches = false;
    bool signing_time_attribute_present = false;  // PAdES baseline forbids it

    bool timestamp_present = false;
    bool timestamp_valid = false;    // imprint matches this signature value, token signature ok
    bool timestamp_trusted = false;  // and the TSA chains to the trust anchors
    std::string timestamp_time;      // genTime, ISO 8601 UTC
    std::string timestamp_message;

    // For revocation checks and long-term validation (filled by the verifier).
    bool document_timestamp = false;  // /SubFilter /ETSI.RFC3161: the "signer" is the TSA
    int chain_error = 0;              // X509_V_ERR_* of the chain check at the validation time
    bool chain_valid_at_signing_time_only = false;  // expired since, valid at the timestamp
    std::vector<Der> chain;            // as built: signer first, the trust anchor last
    std::optional<std::time_t> timestamp_gen_time;  // when timestamp_trusted
    std::vector<Der> timestamp_chain;  // the signature timestamp's TSA, first, to its anchor
    Der contents_sha1;                 // PDF: SHA-1 of the /Contents bytes as stored (VRI key)
    ValidationMaterial embedded;       // validation data in the CMS
    // The PDF's Document Security Store, read once and shared by every report of the document.
    std::shared_ptr<const ValidationMaterial> document_material;
    // embedded and document_material together (a copy, for one signature's checks).
    ValidationMaterial allMaterial() const;
    std::vector<DocumentChange> changes_after;  // incremental updates after this signature

    // Set by signing::validate (revocation and the ETSI verdict); empty before.
    std::optional<Indication> indication;
    std::string sub_indication;  // ETSI EN 319 102-1 name (REVOKED, TRY_LATER, ...); empty if passed
    std::string verdict_message; // one translated sentence naming the reason
    std::vector<CertificateStatus> revocation;  // chain order, the anchor excluded
    // The signature timestamp's TSA chain, likewise: a timestamp proves when the signature
    // existed only while its authority's status is known and not revoked before it.
    std::vector<CertificateStatus> timestamp_revocation;
};

struct VerifyOptions {
    // Validate chains at this time instead of now (e.g. a trusted timestamp's time).
    std::optional<std::time_t> at;
    // Polled between signatures; when it returns true the verification stops with
    // Error(Cancelled) (the local server: the client has gone).
    std::function<bool()> cancelled;
};

// One report per signature, in file order. Throws certagent::Error (InvalidInput) when the
// file is not a PDF, is truncated, cannot be parsed and holds no recognisable signature, or
// holds no signature at all; Io when it cannot be read. The store is only read.
std::vector<SignatureReport> verifyPdf(const std::filesystem::path& path, X509_STORE* anchors,
                                       const VerifyOptions& options = {});
// Same, with trust anchors from a PEM bundle.
std::vector<SignatureReport> verifyPdf(const std::filesystem::path& path,
                                       const std::filesystem::path& anchors_pem,
                                       const VerifyOptions& options = {});

}  // namespace certagent::pdf
