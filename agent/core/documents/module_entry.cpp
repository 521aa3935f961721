// The documents module's entry point: the real functions, as a table (documents_module.hpp).
#include "certagent/core/documents_module.hpp"

namespace {

using namespace certagent;
namespace fs = std::filesystem;

const documents::Api kApi{
    documents::kApiVersion,
    &log::forwardTo,
    [](const fs::path& in, const fs::path& out, pdf::Signer& signer,
       const pdf::SignOptions& options) { pdf::signPdf(in, out, signer, options); },
    [](const fs::path& path, X509_STORE* anchors, const pdf::VerifyOptions& options) {
        return pdf::verifyPdf(path, anchors, options);
    },
    [](const fs::path& path, const fs::path& anchors, const pdf::VerifyOptions& options) {
        return pdf::verifyPdf(path, anchors, options);
    },
    [](const fs::path& path) { return pdf::inspectPdf(path); },
    [](const fs::path& out, const pdf::SimplePdf& content) { pdf::makeSimplePdf(out, content); },
    [](const config::Config& config, const fs::path& state_dir,
       const std::function<void(std::string_view)>& progress) {
        return signing::updateTrustedList(config, state_dir, progress);
    },
    [](const config::Config& config, const fs::path& state_dir) {
        return signing::loadTrustedList(config, state_dir);
    },
    [](const fs::path& in, const fs::path& out, const pdf::DssUpdate& dss) {
        pdf::addValidationData(in, out, dss);
    },
    [](const fs::path& in, const fs::path& out, const pdf::DocumentTimestampOptions& options) {
        pdf::addDocumentTimestamp(in, out, options);
    },
};

}  // namespace

extern "C" __attribute__((visibility("default"))) const certagent::documents::Api*
certagent_documents_api() {
    return &kApi;
}
