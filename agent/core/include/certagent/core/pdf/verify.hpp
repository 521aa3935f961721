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
