#pragma once
// PAdES baseline signatures (ETSI EN 319 142-1): B-B, or B-T with a Timestamper.
#include <certagent/core/pdf/cades.hpp>

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

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

}  // namespace certagent::pdf
