#include "declaration.hpp"

#include "api_error.hpp"

#include <certagent/core/pdf/simple_pdf.hpp>
#include <certagent/core/pdf/verify.hpp>

#include <algorithm>
#include <ctime>

namespace certagent::sandbox {

namespace {
// A scratch file removed on every path out.
struct ScratchFile {
    std::filesystem::path path;
    explicit ScratchFile(const std::filesystem::path& dir, const std::string& ext) {
        std::filesystem::create_directories(dir);
        path = dir / (randomHex(8) + ext);
    }
    ~ScratchFile() {
        std::error_code ec;
        std::filesystem::remove(path, ec);
    }
};

std::string today() {
    time_t now = time(nullptr);
    struct tm tm {};
    gmtime_r(&now, &tm);
    char buf[16];
    strftime(buf, sizeof buf, "%d.%m.%Y", &tm);
    return buf;
}

// Serial numbers as hex differ only in case and leading zeros between libraries.
std::string normalSerial(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), ::toupper);
    s.erase(0, std::min(s.find_first_not_of('0'), s.size()));
    return s;
}
}  // namespace

std::string makeDeclarationPdf(const DeclarationData& d, const std::filesystem::path& scratch) {
    pdf::SimplePdf doc;
    doc.title = "Declarație";
    doc.lines = {
        "Subsemnatul/Subsemnata " + d.common_name + ", identificat(ă) prin " + d.holder_id +
            ", titular al certificatului calificat cu numărul de serie " + d.certificate_serial +
            ", emis de " + d.issuer_cn + ", solicit reînnoirea acestuia: " + d.product_name_ro +
            ".",
        "",
        "Declar pe propria răspundere că datele din actul de identitate încărcat sunt corecte și "
        "actuale, că nu s-au modificat de la emiterea certificatului și că dispozitivul "
        "securizat (token-ul) care păstrează cheia privată se află în posesia mea exclusivă.",
        "",
        "Cerere de reînnoire: " + d.renewal_id,
        "Act de identitate (SHA-256): " + d.identity_sha256,
        "Data: " + today(),
        "",
        "Semnătura titularului: semnătură electronică calificată aplicată acestui document.",
    };
    ScratchFile file(scratch, ".pdf");
    pdf::makeSimplePdf(file.path, doc);
    return readText(file.path);
}

void checkSignedDeclaration(const std::string& signed_pdf, const std::string& declaration,
                            X509* signer, const CaLayout& layout,
                            const std::filesystem::path& scratch) {
    // An incremental update keeps the signed revision's original bytes as a prefix: comparing
    // them proves the holder signed this very declaration, not a look-alike.
    if (signed_pdf.size() <= declaration.size() ||
        signed_pdf.compare(0, declaration.size(), declaration) != 0)
        throw ApiError(422, "DECLARATION_MISMATCH",
                       "the document is not the declaration issued for this request, signed "
                       "as an incremental update; download it again and sign it unchanged");

    ScratchFile file(scratch, ".pdf");
    writeText(file.path, signed_pdf);
    std::vector<pdf::SignatureReport> reports;
    try {
        reports = pdf::verifyPdf(file.path, layout.caChain());
    } catch (const Error& e) {
        throw ApiError(422, "DECLARATION_SIGNATURE_INVALID",
                       std::string("the signed declaration cannot be verified: ") + e.what());
    }
    if (reports.size() != 1)
        throw ApiError(422, "DECLARATION_SIGNATURE_INVALID",
                       "the declaration must carry exactly one signature",
                       {{"signatures", reports.size()}});
    const auto& r = reports.front();
    nlohmann::json details = {{"status", pdf::signatureStatusName(r.status)},
                              {"message", r.message},
                              {"covers_whole_file", r.covers_whole_file},
                              {"revisions_after", r.revisions_after}};
    const auto gap_start = r.byte_range[1];
    bool covers_declaration = r.byte_range_ok && r.byte_range[0] == 0 &&
                              gap_start >= static_cast<int64_t>(declaration.size());
    if (r.status != pdf::SignatureStatus::Valid || !r.cms_valid || !r.covers_whole_file ||
        r.revisions_after != 0 || !covers_declaration)
        throw ApiError(422, "DECLARATION_SIGNATURE_INVALID",
                       "the signature is not valid, or the document was changed after signing",
                       details);
    // The signer must be the certificate the holder logged in with (the one being renewed).
    // Serials are random and unique within this CA, and the chain was checked against it.
    if (normalSerial(r.signer_serial_hex) != normalSerial(serialHex(signer)))
        throw ApiError(422, "DECLARATION_WRONG_SIGNER",
                       "the declaration was signed with another certificate than the one you "
                       "logged in with",
                       {{"signer_serial", r.signer_serial_hex},
                        {"expected_serial", serialHex(signer)},
                        {"signer_subject", r.signer_subject}});
}

}  // namespace certagent::sandbox
