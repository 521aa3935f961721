// Signatures are found by scanning the raw bytes for /ByteRange rather than through the parsed
// document: a signature dictionary cannot live in an object stream (its /Contents is excluded
// by file offsets), and a tampered file that PoDoFo refuses to parse must still be reported as
// "modified", not as an unreadable PDF. PoDoFo only adds the dictionary's descriptive keys.
#include <certagent/core/error.hpp>
#include <certagent/core/i18n.hpp>
#include <certagent/core/pdf/signer_info.hpp>
#include <certagent/core/pdf/verify.hpp>

#include "pdf_common.hpp"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <podofo/podofo.h>

#include <cctype>
#include <map>
#include <span>

namespace certagent::pdf {
namespace {

using ByteRange = std::array<int64_t, 4>;

struct SigDictInfo {
    std::string field_name, sub_filter, claimed_time, reason, location, name;
};

std::vector<ByteRange> scanByteRanges(std::string_view data) {
    std::vector<ByteRange> out;
    constexpr std::string_view kKey = "/ByteRange";
    for (size_t pos = data.find(kKey); pos != std::string_view::npos;
         pos = data.find(kKey, pos + 1)) {
        size_t i = pos + kKey.size();
        auto skipSpace = [&] {
            while (i < data.size() && std::isspace(static_cast<unsigned char>(data[i]))) ++i;
        };
        skipSpace();
        if (i >= data.size() || data[i] != '[') continue;
        ++i;
        ByteRange r{};
        bool ok = true;
        for (auto& v : r) {
            skipSpace();
            size_t start = i;
            int64_t value = 0;
            while (i < data.size() && std::isdigit(static_cast<unsigned char>(data[i])) &&
                   i - start < 15)
                value = value * 10 + (data[i++] - '0');
            if (i == start) ok = false;
            v = value;
        }
        skipSpace();
        if (ok && i < data.size() && data[i] == ']') out.push_back(r);
    }
    return out;
}

std::string utf8Of(const PoDoFo::PdfObject* o) {
    if (!o) return {};
    if (o->IsString() || o->IsHexString()) return o->GetString().GetStringUtf8();
    if (o->IsName()) return o->GetName().GetName();
    return {};
}

// Descriptive keys of every signature dictionary PoDoFo can read, keyed by /ByteRange.
std::map<ByteRange, SigDictInfo> readSignatureDictionaries(std::string_view data) {
    std::map<ByteRange, SigDictInfo> out;
    try {
        PoDoFo::PdfMemDocument doc;
        doc.LoadFromBuffer(data.data(), static_cast<long>(data.size()));
        auto byteRangeOf = [](const PoDoFo::PdfObject* o) -> std::optional<ByteRange> {
            if (!o || !o->IsDictionary()) return std::nullopt;
            const PoDoFo::PdfObject* br = o->GetDictionary().GetKey("ByteRange");
            if (!br || !br->IsArray() || br->GetArray().size() != 4) return std::nullopt;
            ByteRange r{};
            for (size_t i = 0; i < 4; ++i) {
                if (!br->GetArray()[i].IsNumber()) return std::nullopt;
                r[i] = br->GetArray()[i].GetNumber();
            }
            return r;
        };
        auto& objects = doc.GetObjects();
        for (PoDoFo::PdfObject* o : objects) {
            if (auto r = byteRangeOf(o)) {
                const auto& d = o->GetDictionary();
                auto& info = out[*r];
                info.sub_filter = utf8Of(d.GetKey("SubFilter"));
                info.claimed_time = utf8Of(d.GetKey("M"));
                info.reason = utf8Of(d.GetKey("Reason"));
                info.location = utf8Of(d.GetKey("Location"));
                info.name = utf8Of(d.GetKey("Name"));
            }
        }
        // Field names: fields whose /V points at a signature dictionary.
        for (PoDoFo::PdfObject* o : objects) {
            if (!o->IsDictionary()) continue;
            const PoDoFo::PdfObject* v = o->GetDictionary().GetKey("V");
            const PoDoFo::PdfObject* t = o->GetDictionary().GetKey("T");
            if (!v || !t || !v->IsReference()) continue;
            if (auto r = byteRangeOf(objects.GetObject(v->GetReference())))
                out[*r].field_name = utf8Of(t);
        }
    } catch (const PoDoFo::PdfError&) {
        // Unreadable structure: the raw checks still run, the descriptive keys stay empty.
    }
    return out;
}

void checkSignature(SignatureReport& r, std::string_view data, X509_STORE* store,
                    const VerifyOptions& options) {
    const auto [a, b, c, d] = r.byte_range;
    const auto size = static_cast<int64_t>(data.size());
    r.byte_range_ok = a == 0 && b > 0 && c > b + 1 && d >= 0 && c + d <= size && data[b] == '<' &&
                      data[c - 1] == '>';
    for (int64_t i = b + 1; r.byte_range_ok && i < c - 1; ++i)
        r.byte_range_ok = std::isxdigit(static_cast<unsigned char>(data[i])) != 0;
    if (!r.byte_range_ok) {
        r.status = SignatureStatus::Malformed;
        r.message =
            _("The signature's /ByteRange does not match the file: it was damaged or "
              "tampered with.");
        return;
    }
    r.covers_whole_file = c + d == size;
    // Revisions end with %%EOF; this signature's revision ends where its second range ends.
    for (size_t pos = data.find("%%EOF"); pos != std::string_view::npos;
         pos = data.find("%%EOF", pos + 1)) {
        if (static_cast<int64_t>(pos) < c + d)
            ++r.revision;
        else
            ++r.revisions_after;
    }

    std::vector<uint8_t> cms_der;
    cms_der.reserve(static_cast<size_t>(c - b) / 2);
    for (int64_t i = b + 1; i + 1 < c - 1; i += 2)
        cms_der.push_back(static_cast<uint8_t>(std::stoi(std::string(data.substr(i, 2)), 0, 16)));
    const unsigned char* p = cms_der.data();
    CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(cms_der.size())));
    STACK_OF(CMS_SignerInfo)* infos = cms ? CMS_get0_SignerInfos(cms.get()) : nullptr;
    if (!infos || sk_CMS_SignerInfo_num(infos) != 1) {
        takeOpensslErrors();
        r.status = SignatureStatus::Malformed;
        r.message = _("The signature container is not a valid CMS signature.");
        return;
    }
    CMS_SignerInfo* si = sk_CMS_SignerInfo_value(infos, 0);
    X509* signer = readSigner(r, cms.get(), si);
    if (!signer) return;

    std::string content;
    content.reserve(static_cast<size_t>(b + d));
    content.append(data.substr(0, static_cast<size_t>(b)));
    content.append(data.substr(static_cast<size_t>(c), static_cast<size_t>(d)));
    BioPtr content_bio(BIO_new_mem_buf(content.data(), static_cast<int>(content.size())));
    r.cms_valid = CMS_verify(cms.get(), nullptr, nullptr, content_bio.get(), nullptr,
                             CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) == 1;
    takeOpensslErrors();

    checkSignerInfo(r, cms.get(), si, signer, store, options);
    setVerdict(r, _("The document was modified after signing (or the signature is corrupt)."),
               r.covers_whole_file
                   ? std::string(_("The signature is valid."))
                   : fmt::format(fmt::runtime(_("The signature is valid for revision {0}; the "
                                                "document was updated {1} time(s) after it.")),
                                 r.revision, r.revisions_after));
}

}  // namespace


std::vector<SignatureReport> verifyPdf(const std::filesystem::path& path, X509_STORE* anchors,
                                       const VerifyOptions& options) {
    detail::quietPodofo();
    const std::string data = detail::readWholeFile(path);
    detail::requirePdfBytes(data, path);
    X509StorePtr empty;
    if (!anchors) {
        empty.reset(X509_STORE_new());
        anchors = empty.get();
    }
    const auto ranges = scanByteRanges(data);
    const auto dictionaries = readSignatureDictionaries(data);
    if (ranges.empty()) {
        // Tell "not parseable" from "parseable but unsigned".
        try {
            PoDoFo::PdfMemDocument doc;
            doc.LoadFromBuffer(data.data(), static_cast<long>(data.size()));
        } catch (const PoDoFo::PdfError& e) {
            detail::throwBadPdf(path, e);
        }
        throw Error(ErrorKind::InvalidInput,
                    fmt::format(fmt::runtime(_("{0} contains no signature.")), path.string()),
                    path.string());
    }
    std::vector<SignatureReport> reports;
    for (const auto& range : ranges) {
        if (options.cancelled && options.cancelled())
            throw Error(ErrorKind::Cancelled, _("the verification was cancelled"), path.string());
        SignatureReport r;
        r.byte_range = range;
        if (auto it = dictionaries.find(range); it != dictionaries.end()) {
            r.field_name = it->second.field_name;
            r.sub_filter = it->second.sub_filter;
            r.claimed_time = it->second.claimed_time;
            r.reason = it->second.reason;
            r.location = it->second.location;
            r.name = it->second.name;
        }
        checkSignature(r, data, anchors, options);
        reports.push_back(std::move(r));
    }
    return reports;
}

std::vector<SignatureReport> verifyPdf(const std::filesystem::path& path,
                                       const std::filesystem::path& anchors_pem,
                                       const VerifyOptions& options) {
    auto store = loadTrustStore(anchors_pem.string());
    return verifyPdf(path, store.get(), options);
}

}  // namespace certagent::pdf
