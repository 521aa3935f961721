// pdf:: entry points that need PoDoFo, forwarded to the documents module (documents_module.hpp).
#include "certagent/core/documents_module.hpp"

namespace certagent::pdf {

void signPdf(const std::filesystem::path& in, const std::filesystem::path& out, Signer& signer,
             const SignOptions& options) {
    documents::api().signPdf(in, out, signer, options);
}

void addValidationData(const std::filesystem::path& in, const std::filesystem::path& out,
                       const DssUpdate& dss) {
    documents::api().addValidationData(in, out, dss);
}

void addDocumentTimestamp(const std::filesystem::path& in, const std::filesystem::path& out,
                          const DocumentTimestampOptions& options) {
    documents::api().addDocumentTimestamp(in, out, options);
}

std::vector<SignatureReport> verifyPdf(const std::filesystem::path& path, X509_STORE* anchors,
                                       const VerifyOptions& options) {
    return documents::api().verifyPdfWithStore(path, anchors, options);
}

std::vector<SignatureReport> verifyPdf(const std::filesystem::path& path,
                                       const std::filesystem::path& anchors_pem,
                                       const VerifyOptions& options) {
    return documents::api().verifyPdfWithPem(path, anchors_pem, options);
}

PdfInspection inspectPdf(const std::filesystem::path& path) {
    return documents::api().inspectPdf(path);
}

void makeSimplePdf(const std::filesystem::path& out, const SimplePdf& content) {
    documents::api().makeSimplePdf(out, content);
}

}  // namespace certagent::pdf
