#pragma once
// PAdES baseline signatures (ETSI EN 319 142-1): B-B, or B-T with a Timestamper; the
// Document Security Store (B-LT) and document timestamps (B-LTA), each an incremental update.
#include <certagent/core/pdf/cades.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace certagent::pdf {

// A visible signature: a box on a page with who signed and when.
struct VisibleSignature {
    int page = 0;  // 0-based
    // Rectangle in PDF points, origin bottom-left of the page.
    double x = 36, y = 36, width = 220, height = 60;
    std::string text;  // UTF-8; empty: "Semnat digital de <CN>\n<date>"
};

struct SignOptions {
    std::string reason;      // UTF-8, optional (/Reason)
    std::string location;    // UTF-8, optional (/Location)
    std::string name;        // UTF-8, optional (/Name); the certificate says who signed anyway
    std::string field_name;  // empty: "Signature<N>"
    std::optional<VisibleSignature> visible;  // invisible by default
    // Binary bytes reserved for the CMS in /Contents (written hex, so twice that in the file).
    // 16 KiB fits a 4-certificate RSA-4096 chain plus a timestamp token.
    std::size_t reserved_bytes = 16 * 1024;
    Timestamper timestamper;          // set for B-T
    std::filesystem::path font_file;  // for the visible box; empty: DejaVu Sans from the system
};

// Signs `in` into `out` as an incremental update: the original bytes are kept as they are, so
// earlier signatures stay valid. out may equal in (written to a temp file, then renamed).
// Throws certagent::Error: InvalidInput for a bad PDF or a CMS larger than reserved_bytes, Io
// for files, Token/PinIncorrect from the signer.
void signPdf(const std::filesystem::path& in, const std::filesystem::path& out, Signer& signer,
             const SignOptions& options = {});

// Validation data for a PDF's Document Security Store (ETSI EN 319 142-1, 5.4.2): DER
// certificates, OCSPResponses and CRLs, and per signature a VRI entry naming its own.
struct DssUpdate {
    std::vector<std::vector<uint8_t>> certificates, ocsp_responses, crls;
    struct Vri {
        std::string key;  // upper-case hex SHA-1 of the signature's /Contents bytes
        std::vector<std::size_t> certificates, ocsp_responses, crls;  // indexes into the above
    };
    std::vector<Vri> vri;
};

// Writes `in` with its DSS extended by `dss` (what it already holds is kept; an item already
// there is not added twice) into `out`, as an incremental update; out may equal in. Throws
// certagent::Error like signPdf.
void addValidationData(const std::filesystem::path& in, const std::filesystem::path& out,
                       const DssUpdate& dss);

// Given the bytes a document timestamp's byte ranges cover (the file but its /Contents),
// returns a DER TimeStampToken over them: the timestamp provider chooses the hash, as it does
// for a signature's timestamp.
struct DocumentTimestampOptions {
    std::function<std::vector<uint8_t>(std::span<const uint8_t> covered)> timestamper;
    std::size_t reserved_bytes = 16 * 1024;
    std::string field_name;  // empty: "Timestamp<N>"
};

// Adds a document timestamp (/Type /DocTimeStamp, /SubFilter /ETSI.RFC3161) over the whole of
// `in` as an incremental update into `out` (PAdES B-LTA). Throws certagent::Error like signPdf.
void addDocumentTimestamp(const std::filesystem::path& in, const std::filesystem::path& out,
                          const DocumentTimestampOptions& options);

}  // namespace certagent::pdf
