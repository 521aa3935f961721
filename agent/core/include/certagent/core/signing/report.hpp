#pragma once
// A verification report as people read it: the same rows in the CLI's text output and in the
// tray's "Verify a signature…" window, so both say the same thing in the same words.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "certagent/core/signing/verify.hpp"

namespace certagent::signing {

// What a chosen file means: a PDF (its signatures are inside) or a detached signature with the
// file it signs (for "contract.pdf.p7s": "contract.pdf" next to it, unless `data` is given).
struct VerifyInput {
    std::filesystem::path file;                // the PDF or the .p7s
    std::optional<std::filesystem::path> data;  // the signed file (detached signatures only)
};

// Decides how to verify `file`. Throws certagent::Error: InvalidInput naming the path for a
// missing file or a .p7s whose signed file is not beside it; Usage for a file that is neither a
// PDF nor a .p7s and has no `data`.
VerifyInput resolveVerifyInput(const std::filesystem::path& file,
                               const std::optional<std::filesystem::path>& data = std::nullopt);

// Reads and verifies what resolveVerifyInput() chose, against `anchors`, with `revocation` for
// the revocation checks (nullptr: online, without a cache).
VerificationResult verifyInput(const VerifyInput& input, X509_STORE* anchors,
                               RevocationChecker* revocation = nullptr);

// The same with everything from the agent's configuration: trust anchors
// (trustStoreFromConfig), revocation settings and cache (revocationSettingsFrom).
VerificationResult verifyInputWithConfig(const VerifyInput& input, const config::Config& config,
                                         const std::filesystem::path& state_dir);

struct ReportRow {
    std::string label;  // translated ("Signer", "Chain", ...)
    std::string value;
};

struct SignatureSection {
    std::string title;    // "Signature 1: valid" (translated)
    std::string message;  // one sentence for the user
    bool ok = false;      // valid and trusted
    std::vector<ReportRow> rows;
};

struct ReportView {
    std::string headline;  // "contract.pdf: 1 signature(s)", or that there is none
    // The verdict in one translated sentence, led by the ETSI indication: "TOTAL-PASSED: every
    // signature is valid." or "TOTAL-FAILED (REVOKED): signature 1: ...". What the tray's window
    // and the CLI show first.
    std::string verdict;
    bool allValid = false;
    std::vector<SignatureSection> signatures;
};

ReportView reportView(const std::filesystem::path& file, const VerificationResult& result);
// The view as plain text (CLI output, the tray window's body, a copy to the clipboard).
std::string reportText(const ReportView& view);

}  // namespace certagent::signing
