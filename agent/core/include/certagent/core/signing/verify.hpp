#pragma once
// Verification of what users are sent: a signed PDF (PAdES, via pdf::verifyPdf) or a detached
// CAdES signature (.p7s) with its file. Integrity, signer, chain to the trust anchors
// ([verify] ca_bundle and, when configured, the EU trusted list cache), timestamp, qualified.
// One report shape for both, as JSON for the CLI, the local server and the GUI.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "certagent/core/fwd.hpp"
#include "certagent/core/pdf/verify.hpp"
#include "certagent/core/signing/revocation.hpp"

namespace certagent::signing {

enum class SignedKind { Pdf, Cades };

struct VerificationResult {
    SignedKind kind = SignedKind::Pdf;
    // PAdES: one per signature in file order; CAdES: one per SignerInfo. For CAdES the PDF
    // byte-range fields stay empty.
    std::vector<pdf::SignatureReport> signatures;
    // Every signature TOTAL-PASSED (what exit code 0 means).
    bool allValid() const;
    // The document's verdict: TOTAL-FAILED if any signature failed, else INDETERMINATE if any
    // is, else TOTAL-PASSED; with the first such signature's sub-indication (empty if passed).
    pdf::Indication indication() const;
    std::string subIndication() const;
};

// Detached CAdES over `data`. Throws certagent::Error(InvalidInput) when `p7s` is not a CMS
// SignedData (DER or PEM) or carries encapsulated content. Each signature is then validated
// (validation.hpp) with `revocation`; nullptr: online checks without a cache. The validation
// time is options.at, else now.
VerificationResult verifyCadesDetached(std::span<const uint8_t> p7s, std::span<const uint8_t> data,
                                       X509_STORE* anchors,
                                       const pdf::VerifyOptions& options = {},
                                       RevocationChecker* revocation = nullptr);
VerificationResult verifyPdfFile(const std::filesystem::path& pdf, X509_STORE* anchors,
                                 const pdf::VerifyOptions& options = {},
                                 RevocationChecker* revocation = nullptr);

// A store with the given PEM bundles (each may be empty: skipped). Throws InvalidInput for a
// file that holds no certificate.
pdf::X509StorePtr makeTrustStore(const std::vector<std::filesystem::path>& pem_bundles);

// The anchors the agent verifies against: [verify] ca_bundle plus the cached, verified EU
// trusted list certificates (trusted_list.hpp) when [verify] trusted_list_url is set.
pdf::X509StorePtr trustStoreFromConfig(const config::Config& config,
                                       const std::filesystem::path& state_dir);

nlohmann::json toJson(const pdf::CertificateStatus& status);
nlohmann::json toJson(const pdf::SignatureReport& report, SignedKind kind);
nlohmann::json toJson(const VerificationResult& result);

}  // namespace certagent::signing
