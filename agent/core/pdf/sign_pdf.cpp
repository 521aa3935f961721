// PAdES signing on PoDoFo 0.9.8: PdfMemDocument::WriteUpdate appends an incremental update
// (the original bytes stay untouched) and PdfSignOutputDevice finds the reserved /Contents,
// fixes /ByteRange and lets us hash the signed ranges before the CMS is written in place.
#include <certagent/core/error.hpp>
#include <certagent/core/i18n.hpp>
#include <certagent/core/pdf/sign.hpp>
#include <certagent/core/platform/system.hpp>

#include <certagent/core/pdf/limits.hpp>

#include "pdf_common.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <podofo/podofo.h>

#include <ctime>
#include <functional>
#include <map>
#include <set>
#include <span>

#ifdef _WIN32
// PoDoFo includes windows.h, whose wincrypt.h makes X509_NAME a macro (OpenSSL's own headers
// undo it, but only when they come after windows.h).
#undef X509_NAME
#endif

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

std::string uniqueFieldName(PdfMemDocument& doc, PdfAcroForm* form, const std::string& wanted,
                            const std::string& prefix) {
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
        std::string candidate = prefix + std::to_string(i);
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

Error cannotWriteSignedPdf(const fs::path& out, const std::string& why) {
    return Error(ErrorKind::Io,
                 fmt::format(fmt::runtime(_("Cannot write the signed PDF {0} ({1}).")),
                             out.string(), why),
                 out.string());
}

// The PDF a signature or validation data is added to: read whole and checked against the
// document limits. The bytes stay the caller's: the document is loaded from them.
std::string readPdfToUpdate(const fs::path& in) {
    detail::quietPodofo();
    const DocumentLimits limits;
    std::string original = detail::readWholeFile(in, limits.max_file_bytes);
    detail::requirePdfBytes(original, in);
    checkDocumentLimits(original, in, limits);
    return original;
}

// Loads the bytes of `in`; an encrypted PDF is refused.
void loadUnencrypted(PdfMemDocument& doc, const std::string& original, const fs::path& in) {
    try {
        doc.LoadFromBuffer(original.data(), static_cast<long>(original.size()), true);
    } catch (const PdfError& e) {
        detail::throwBadPdf(in, e);
    }
    if (doc.GetEncrypted())
        throw Error(ErrorKind::InvalidInput,
                    fmt::format(fmt::runtime(_("{0} is encrypted; signing encrypted PDFs is "
                                               "not supported.")),
                                in.string()),
                    in.string());
}

// Removes the half-written temp file unless the signature completed.
struct TempFileGuard {
    fs::path path;
    bool keep = false;
    ~TempFileGuard() {
        std::error_code ec;
        if (!keep) fs::remove(path, ec);
    }
    // Complete: the file takes the output's name.
    void moveTo(const fs::path& out) {
        std::error_code ec;
        fs::rename(path, out, ec);
        if (ec) throw cannotWriteSignedPdf(out, ec.message());
        keep = true;
    }
};

// What differs between a signature and a document timestamp.
struct SignatureKind {
    bool document_timestamp = false;
    X509* cert = nullptr;  // the signer's (visible text); nullptr for a document timestamp
    // The digest (SHA-256) of the byte ranges -> the DER for /Contents; for a document
    // timestamp the covered bytes themselves (its provider hashes them).
    std::function<std::vector<uint8_t>(std::span<const uint8_t>)> contents;
};

void writeSignature(const fs::path& in, const fs::path& out, const SignOptions& options,
                    const SignatureKind& kind) {
    if (options.reserved_bytes < 2048 || options.reserved_bytes > 1024 * 1024)
        throw Error(ErrorKind::Usage, "SignOptions::reserved_bytes must be 2 KiB .. 1 MiB");
    const std::string original = readPdfToUpdate(in);
    X509* cert = kind.cert;

    TempFileGuard tmp{fs::path(out) += ".certagent-part"};
    std::vector<uint8_t> cms;
    try {
        PdfMemDocument doc;
        loadUnencrypted(doc, original, in);
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
        const std::string field_name = uniqueFieldName(
            doc, form, options.field_name, kind.document_timestamp ? "Timestamp" : "Signature");

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
        if (!kind.document_timestamp) field.SetSignatureDate(PdfDate());
        if (options.visible && cert) {
            std::string text = options.visible->text;
            if (text.empty()) {
                text = "Semnat digital de " + commonName(cert) + "\n";
                std::time_t now = std::time(nullptr);
                const std::tm local = platform::localTime(now);
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
        sig.AddKey("SubFilter",
                   PdfName(kind.document_timestamp ? "ETSI.RFC3161" : "ETSI.CAdES.detached"));
        if (kind.document_timestamp) sig.AddKey("Type", PdfName("DocTimeStamp"));
        if (!options.name.empty()) sig.AddKey("Name", utf8(options.name));

        doc.WriteUpdate(&device, true);
        if (!device.HasSignaturePosition())
            throw Error(ErrorKind::Internal, "signature placeholder not found in the output");
        device.AdjustByteRange();
        device.Seek(0);

        EvpMdCtxPtr md(EVP_MD_CTX_new());
        if (!md || !EVP_DigestInit_ex(md.get(), EVP_sha256(), nullptr))
            throw Error(ErrorKind::Internal, "digest unavailable");
        std::vector<char> buf(64 * 1024);
        std::vector<uint8_t> covered;  // document timestamps only (bounded by DocumentLimits)
        while (size_t n = device.ReadForSignature(buf.data(), buf.size())) {
            if (kind.document_timestamp)
                covered.insert(covered.end(), buf.begin(), buf.begin() + static_cast<long>(n));
            else
                EVP_DigestUpdate(md.get(), buf.data(), n);
        }
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int digest_len = 0;
        EVP_DigestFinal_ex(md.get(), digest, &digest_len);

        cms =
            kind.document_timestamp ? kind.contents(covered) : kind.contents({digest, digest_len});
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
        throw cannotWriteSignedPdf(out, PdfError::ErrorName(e.GetError()));
    }
    tmp.moveTo(out);
}

}  // namespace

void signPdf(const fs::path& in, const fs::path& out, Signer& signer, const SignOptions& options) {
    SignatureKind kind;
    kind.cert = signer.certificate();
    if (!kind.cert) throw Error(ErrorKind::Usage, "the signer has no certificate");
    kind.contents = [&](std::span<const uint8_t> digest) {
        return buildCadesDetached(signer, digest, NID_sha256, options.timestamper);
    };
    writeSignature(in, out, options, kind);
}

void addDocumentTimestamp(const fs::path& in, const fs::path& out,
                          const DocumentTimestampOptions& options) {
    if (!options.timestamper) throw Error(ErrorKind::Usage, "no timestamper");
    SignatureKind kind;
    kind.document_timestamp = true;
    kind.contents = [&](std::span<const uint8_t> covered) {
        auto token = options.timestamper(covered);
        if (token.empty())
            throw Error(ErrorKind::Protocol, _("The timestamp authority returned no token."));
        return token;
    };
    SignOptions sign;
    sign.reserved_bytes = options.reserved_bytes;
    sign.field_name = options.field_name;
    writeSignature(in, out, sign, kind);
}

void addValidationData(const fs::path& in, const fs::path& out, const DssUpdate& update) {
    const std::string original = readPdfToUpdate(in);
    TempFileGuard tmp{fs::path(out) += ".certagent-part"};
    try {
        PdfMemDocument doc;
        loadUnencrypted(doc, original, in);
        PdfVecObjects& objects = doc.GetObjects();
        PdfObject* catalog = doc.GetCatalog();
        PdfObject* old = catalog->GetIndirectKey(PdfName("DSS"));
        PdfObject* dss = objects.CreateObject("DSS");
        // What the DSS holds already, by SHA-256, so nothing is added twice.
        std::map<std::string, PdfReference> known;
        auto digestOf = [](const char* data, size_t n) {
            unsigned char md[EVP_MAX_MD_SIZE];
            unsigned int len = 0;
            EVP_Digest(data, n, md, &len, EVP_sha256(), nullptr);
            return std::string(reinterpret_cast<char*>(md), len);
        };
        auto carry = [&](const char* key) {
            PdfArray array;
            PdfObject* existing =
                old && old->IsDictionary() ? old->GetIndirectKey(PdfName(key)) : nullptr;
            if (existing && existing->IsArray()) {
                for (const auto& item : existing->GetArray()) {
                    if (!item.IsReference()) continue;
                    array.push_back(item);
                    // Read through a const object: PoDoFo marks an object whose stream is
                    // fetched mutably as changed and would write it again.
                    const PdfObject* o = objects.GetObject(item.GetReference());
                    if (!o || !o->HasStream()) continue;
                    char* buf = nullptr;
                    pdf_long len = 0;
                    o->GetStream()->GetFilteredCopy(&buf, &len);
                    known.emplace(digestOf(buf, static_cast<size_t>(len)), item.GetReference());
                    podofo_free(buf);
                }
            }
            return array;
        };
        bool changed = false;  // anything the DSS does not hold yet
        auto add = [&](PdfArray& array, const std::vector<uint8_t>& der) {
            const auto key = digestOf(reinterpret_cast<const char*>(der.data()), der.size());
            if (auto it = known.find(key); it != known.end()) return it->second;
            changed = true;
            PdfObject* stream = objects.CreateObject();
            stream->GetStream()->Set(reinterpret_cast<const char*>(der.data()),
                                     static_cast<pdf_long>(der.size()));
            array.push_back(stream->Reference());
            known.emplace(key, stream->Reference());
            return stream->Reference();
        };
        PdfArray certs = carry("Certs"), ocsps = carry("OCSPs"), crls = carry("CRLs");
        std::vector<PdfReference> cert_refs, ocsp_refs, crl_refs;
        for (const auto& d : update.certificates) cert_refs.push_back(add(certs, d));
        for (const auto& d : update.ocsp_responses) ocsp_refs.push_back(add(ocsps, d));
        for (const auto& d : update.crls) crl_refs.push_back(add(crls, d));
        if (!certs.empty()) dss->GetDictionary().AddKey("Certs", certs);
        if (!ocsps.empty()) dss->GetDictionary().AddKey("OCSPs", ocsps);
        if (!crls.empty()) dss->GetDictionary().AddKey("CRLs", crls);

        PdfDictionary vri;
        if (PdfObject* o =
                old && old->IsDictionary() ? old->GetIndirectKey(PdfName("VRI")) : nullptr;
            o && o->IsDictionary())
            vri = o->GetDictionary();
        for (const auto& v : update.vri) {
            if (!vri.HasKey(PdfName(v.key))) changed = true;
            PdfDictionary entry;
            auto refs = [](const std::vector<size_t>& indexes,
                           const std::vector<PdfReference>& all) {
                PdfArray a;
                for (size_t i : indexes)
                    if (i < all.size()) a.push_back(all[i]);
                return a;
            };
            if (!v.certificates.empty()) entry.AddKey("Cert", refs(v.certificates, cert_refs));
            if (!v.ocsp_responses.empty()) entry.AddKey("OCSP", refs(v.ocsp_responses, ocsp_refs));
            if (!v.crls.empty()) entry.AddKey("CRL", refs(v.crls, crl_refs));
            vri.AddKey(PdfName(v.key), entry);
        }
        if (!changed) {
            // Everything is there already: no update (the document stays as it is).
            std::error_code ec;
            if (!fs::equivalent(in, out, ec)) {
                fs::copy_file(in, tmp.path, fs::copy_options::overwrite_existing, ec);
                if (ec) throw cannotWriteSignedPdf(out, ec.message());
            } else {
                tmp.keep = true;  // nothing written: nothing to remove or rename
                return;
            }
        } else {
            // Direct, not an object of its own: PoDoFo 0.9.8 does not write an object made
            // with CreateObject(variant) in an incremental update (a dangling reference).
            if (vri.GetSize() > 0) dss->GetDictionary().AddKey("VRI", vri);
            catalog->GetDictionary().AddKey("DSS", dss->Reference());
            // The PAdES extension (ETSI EN 319 142-1, 5.4.1), when none is declared yet.
            if (!catalog->GetDictionary().HasKey("Extensions")) {
                PdfDictionary esic;
                esic.AddKey("BaseVersion", PdfName("1.7"));
                esic.AddKey("ExtensionLevel", PdfObject(static_cast<pdf_int64>(5)));
                PdfDictionary extensions;
                extensions.AddKey("ESIC", esic);
                catalog->GetDictionary().AddKey("Extensions", extensions);
            }
            PdfOutputDevice device(tmp.path.c_str());
            doc.WriteUpdate(&device, true);
            device.Flush();
        }
    } catch (const PdfError& e) {
        throw cannotWriteSignedPdf(out, PdfError::ErrorName(e.GetError()));
    }
    tmp.moveTo(out);
}

}  // namespace certagent::pdf
