// PAdES signing on PoDoFo 0.9.8: PdfMemDocument::WriteUpdate appends an incremental update
// (the original bytes stay untouched) and PdfSignOutputDevice finds the reserved /Contents,
// fixes /ByteRange and lets us hash the signed ranges before the CMS is written in place.
#include <certagent/core/error.hpp>
#include <certagent/core/i18n.hpp>
#include <certagent/core/pdf/sign.hpp>

#include <certagent/core/pdf/limits.hpp>

#include "pdf_common.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <podofo/podofo.h>

#include <ctime>
#include <set>

namespace certagent::pdf {
namespace {

using namespace PoDoFo;
namespace fs = std::filesystem;

PdfString utf8(const std::string& s) {
    return PdfString(reinterpret_cast<const pdf_utf8*>(s.c_str()));
}

std::string commonName(X509* cert) {
    X509_NAME* name = X509_get_subject_name(cert);
    int idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    if (idx < 0) return {};
    ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
    unsigned char* out = nullptr;
    int len = ASN1_STRING_to_UTF8(&out, data);
    if (len < 0) return {};
    std::string cn(reinterpret_cast<char*>(out), static_cast<size_t>(len));
    OPENSSL_free(out);
    return cn;
}

void collectFieldNames(PdfObject* field, PdfVecObjects& objects, std::set<std::string>& names,
                       int depth = 0) {
    if (!field || depth > 32) return;
    if (field->IsReference()) field = objects.GetObject(field->GetReference());
    if (!field || !field->IsDictionary()) return;
    if (const PdfObject* t = field->GetDictionary().GetKey("T"); t && t->IsString())
        names.insert(t->GetString().GetStringUtf8());
    if (PdfObject* kids = field->GetDictionary().GetKey("Kids"); kids && kids->IsArray())
        for (auto& kid : kids->GetArray()) collectFieldNames(&kid, objects, names, depth + 1);
}

std::string uniqueFieldName(PdfMemDocument& doc, PdfAcroForm* form, const std::string& wanted) {
    std::set<std::string> names;
    if (PdfObject* fields = form->GetObject()->GetDictionary().GetKey("Fields");
        fields && fields->IsArray())
        for (auto& f : fields->GetArray()) collectFieldNames(&f, doc.GetObjects(), names);
    if (!wanted.empty()) {
        if (names.count(wanted)) {
            throw Error(
                ErrorKind::Usage,
                fmt::format(fmt::runtime(_("The PDF already has a field named {0}.")), wanted));
        }
        return wanted;
    }
    for (int i = 1;; ++i) {
        std::string candidate = "Signature" + std::to_string(i);
        if (!names.count(candidate)) return candidate;
    }
}

void drawAppearance(PdfMemDocument& doc, PdfSignatureField& field, const VisibleSignature& v,
                    const std::string& text, const fs::path& font_file) {
    PdfXObject xobj(PdfRect(0, 0, v.width, v.height), &doc);
    PdfFont* font = detail::loadUnicodeFont(doc, font_file);
    PdfPainter painter;
    painter.SetPage(&xobj);
    painter.SetStrokingColor(0.2, 0.2, 0.5);
    painter.Rectangle(0.5, 0.5, v.width - 1, v.height - 1);
    painter.Stroke();
    std::vector<std::string> lines;
    for (size_t start = 0;;) {
        size_t nl = text.find('\n', start);
        lines.push_back(text.substr(start, nl == std::string::npos ? nl : nl - start));
        if (nl == std::string::npos) break;
        start = nl + 1;
    }
    const double size = std::min(10.0, (v.height - 8) / (1.3 * static_cast<double>(lines.size())));
    font->SetFontSize(static_cast<float>(size));
    painter.SetFont(font);
    painter.SetColor(0, 0, 0);
    double y = v.height - 4 - size;
    for (const auto& line : lines) {
        painter.DrawText(4, y, utf8(line));
        y -= size * 1.3;
    }
    painter.FinishPage();
    field.SetAppearanceStream(&xobj);
}

// Removes the half-written temp file unless the signature completed.
struct TempFileGuard {
    fs::path path;
    bool keep = false;
    ~TempFileGuard() {
        std::error_code ec;
        if (!keep) fs::remove(path, ec);
    }
};

}  // namespace

void signPdf(const fs::path& in, const fs::path& out, Signer& signer, const SignOptions& options) {
    detail::quietPodofo();
    if (options.reserved_bytes < 2048 || options.reserved_bytes > 1024 * 1024)
        throw Error(ErrorKind::Usage, "SignOptions::reserved_bytes must be 2 KiB .. 1 MiB");
    const DocumentLimits limits;
    const std::string original = detail::readWholeFile(in, limits.max_file_bytes);
    detail::requirePdfBytes(original, in);
    checkDocumentLimits(original, in, limits);
    X509* cert = signer.certificate();
    if (!cert) throw Error(ErrorKind::Usage, "the signer has no certificate");

    TempFileGuard tmp{fs::path(out) += ".certagent-part"};
    std::vector<uint8_t> cms;
    try {
        PdfMemDocument doc;
        try {
            doc.LoadFromBuffer(original.data(), static_cast<long>(original.size()), true);
        } catch (const PdfError& e) {
            detail::throwBadPdf(in, e);
        }
        if (doc.GetEncrypted()) {
            throw Error(ErrorKind::InvalidInput,
                        fmt::format(fmt::runtime(_("{0} is encrypted; signing encrypted PDFs is "
                                                   "not supported.")),
                                    in.string()),
                        in.string());
        }
        const int pages = doc.GetPageCount();
        const int page_index = options.visible ? options.visible->page : 0;
        if (pages <= 0) {
            throw Error(ErrorKind::InvalidInput,
                        fmt::format(fmt::runtime(_("{0} has no pages.")), in.string()),
                        in.string());
        }
        if (page_index < 0 || page_index >= pages) {
            throw Error(ErrorKind::Usage,
                        fmt::format(fmt::runtime(_("Page {0} does not exist; the PDF has {1} "
                                                   "pages.")),
                                    page_index + 1, pages));
        }
        PdfPage* page = doc.GetPage(page_index);
        PdfAcroForm* form = doc.GetAcroForm(true, ePdfAcroFormDefaultAppearance_None);
        // SignaturesExist | AppendOnly: viewers must save further changes incrementally.
        form->GetObject()->GetDictionary().AddKey("SigFlags", PdfObject(static_cast<pdf_int64>(3)));
        const std::string field_name = uniqueFieldName(doc, form, options.field_name);

        const PdfRect rect = options.visible
                                 ? PdfRect(options.visible->x, options.visible->y,
                                           options.visible->width, options.visible->height)
                                 : PdfRect(0, 0, 0, 0);
        PdfAnnotation* widget = page->CreateAnnotation(ePdfAnnotation_Widget, rect);
        widget->SetFlags(ePdfAnnotationFlags_Print | ePdfAnnotationFlags_Locked);
        PdfSignatureField field(widget, form, &doc);
        field.SetFieldName(utf8(field_name));
        if (!options.reason.empty()) field.SetSignatureReason(utf8(options.reason));
        if (!options.location.empty()) field.SetSignatureLocation(utf8(options.location));
        field.SetSignatureDate(PdfDate());
        if (options.visible) {
            std::string text = options.visible->text;
            if (text.empty()) {
                text = "Semnat digital de " + commonName(cert) + "\n";
                std::time_t now = std::time(nullptr);
                std::tm local{};
                localtime_r(&now, &local);
                char when[64];
                std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S %z", &local);
                text += when;
            }
            drawAppearance(
                doc, field, *options.visible, text,
                options.font_file.empty() ? detail::defaultFontFile() : options.font_file);
        }

        PdfSignOutputDevice device(tmp.path.c_str());
        device.SetSignatureSize(options.reserved_bytes);
        field.SetSignature(*device.GetSignatureBeacon());
        PdfDictionary& sig = field.GetSignatureObject()->GetDictionary();
        sig.AddKey("Filter", PdfName("Adobe.PPKLite"));
        sig.AddKey("SubFilter", PdfName("ETSI.CAdES.detached"));
        if (!options.name.empty()) sig.AddKey("Name", utf8(options.name));

        doc.WriteUpdate(&device, true);
        if (!device.HasSignaturePosition())
            throw Error(ErrorKind::Internal, "signature placeholder not found in the output");
        device.AdjustByteRange();
        device.Seek(0);

        EvpMdCtxPtr md(EVP_MD_CTX_new());
        if (!md || !EVP_DigestInit_ex(md.get(), EVP_sha256(), nullptr))
            throw Error(ErrorKind::Internal, "SHA-256 unavailable");
        std::vector<char> buf(64 * 1024);
        while (size_t n = device.ReadForSignature(buf.data(), buf.size()))
            EVP_DigestUpdate(md.get(), buf.data(), n);
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int digest_len = 0;
        EVP_DigestFinal_ex(md.get(), digest, &digest_len);

        cms = buildCadesDetached(signer, {digest, digest_len}, NID_sha256, options.timestamper);
        if (cms.size() > options.reserved_bytes) {
            throw Error(ErrorKind::InvalidInput,
                        fmt::format(fmt::runtime(_("The signature ({0} bytes) does not fit in the "
                                                   "space reserved in the PDF ({1} bytes).")),
                                    cms.size(), options.reserved_bytes),
                        in.string());
        }
        device.SetSignature(PdfData(reinterpret_cast<const char*>(cms.data()), cms.size()));
        device.Flush();
    } catch (const PdfError& e) {
        throw Error(ErrorKind::Io,
                    fmt::format(fmt::runtime(_("Cannot write the signed PDF {0} ({1}).")),
                                out.string(), PdfError::ErrorName(e.GetError())),
                    out.string());
    }
    std::error_code ec;
    fs::rename(tmp.path, out, ec);
    if (ec) {
        throw Error(ErrorKind::Io,
                    fmt::format(fmt::runtime(_("Cannot write the signed PDF {0} ({1}).")),
                                out.string(), ec.message()),
                    out.string());
    }
    tmp.keep = true;
}

}  // namespace certagent::pdf
