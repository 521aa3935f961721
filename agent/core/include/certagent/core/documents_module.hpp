#pragma once
// The documents module: the code that needs PoDoFo (PDF signing, verification, inspection, the
// small PDF writer) and libxmlsec1/libxml2/ICU (EU trusted lists), built as
// <libdir>/certagent/certagent-documents.so and loaded on first use (CERTAGENT_DOCUMENTS_MODULE,
// Linux). A tray or daemon that never signs or verifies does not map those libraries (about
// 2.4 MB resident). The public functions (pdf::signPdf, pdf::addValidationData,
// pdf::addDocumentTimestamp, pdf::verifyPdf, pdf::inspectPdf, pdf::makeSimplePdf, signing::updateTrustedList, signing::loadTrustedList) keep their
// declarations; without the module they are these functions linked in, with it they forward
// here. Host and module come from the same build: the table passes C++ types as they are.
#include <filesystem>
#include <functional>
#include <string_view>
#include <vector>

#include "certagent/core/log.hpp"
#include "certagent/core/pdf/inspect.hpp"
#include "certagent/core/pdf/sign.hpp"
#include "certagent/core/pdf/simple_pdf.hpp"
#include "certagent/core/pdf/verify.hpp"
#include "certagent/core/signing/trusted_list.hpp"

namespace certagent::documents {

// Bumped whenever Api changes; a module of another version is refused.
inline constexpr int kApiVersion = 3;  // 3: B-LT/B-LTA writers, validation data in reports

struct Api {
    int version;
    void (*forwardLog)(log::Sink sink);
    void (*signPdf)(const std::filesystem::path& in, const std::filesystem::path& out,
                    pdf::Signer& signer, const pdf::SignOptions& options);
    std::vector<pdf::SignatureReport> (*verifyPdfWithStore)(const std::filesystem::path& path,
                                                            X509_STORE* anchors,
                                                            const pdf::VerifyOptions& options);
    std::vector<pdf::SignatureReport> (*verifyPdfWithPem)(const std::filesystem::path& path,
                                                          const std::filesystem::path& anchors,
                                                          const pdf::VerifyOptions& options);
    pdf::PdfInspection (*inspectPdf)(const std::filesystem::path& path);
    void (*makeSimplePdf)(const std::filesystem::path& out, const pdf::SimplePdf& content);
    signing::TrustedListUpdate (*updateTrustedList)(
        const config::Config& config, const std::filesystem::path& state_dir,
        const std::function<void(std::string_view)>& progress);
    signing::TrustedListCache (*loadTrustedList)(const config::Config& config,
                                                 const std::filesystem::path& state_dir);
    void (*addValidationData)(const std::filesystem::path& in, const std::filesystem::path& out,
                              const pdf::DssUpdate& dss);
    void (*addDocumentTimestamp)(const std::filesystem::path& in,
                                 const std::filesystem::path& out,
                                 const pdf::DocumentTimestampOptions& options);
};

// Where the module is looked for: <prefix>/<libdir>/certagent/certagent-documents.so, the prefix
// being the parent of the executable's folder (as for plugins and catalogs).
std::filesystem::path modulePath();

// Loads the module on first call (thread-safe) and hands it our log. Throws Error(Internal)
// naming the file and the loader's reason; a failed load is tried again on the next call.
const Api& api();

}  // namespace certagent::documents

// The module's one entry point.
extern "C" const certagent::documents::Api* certagent_documents_api();
