// Signatures are found by scanning the raw bytes for /ByteRange rather than through a parsed
// document: a signature dictionary cannot live in an object stream (its /Contents is excluded
// by file offsets), and a tampered file that a parser refuses must still be reported as
// "modified", not as an unreadable PDF. The descriptive keys (/SubFilter, /M, /Name, the field's
// /T) are read by the bounded syntax reader (pdf_syntax.hpp) after the document limits passed:
// verifying never runs PoDoFo's parser, so a crafted document cannot make it recurse or load
// the same object over and over (verify is reachable from web pages through the local server).
#include <certagent/core/error.hpp>
#include <certagent/core/i18n.hpp>
#include <certagent/core/pdf/limits.hpp>
#include <certagent/core/pdf/signer_info.hpp>
#include <certagent/core/pdf/verify.hpp>

#include "pdf_common.hpp"
#include "pdf_syntax.hpp"
#include "revisions.hpp"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <cctype>
#include <map>
#include <span>

namespace certagent::pdf {
namespace {

using ByteRange = std::array<int64_t, 4>;

struct SigDictInfo {
    std::string field_name, sub_filter, claimed_time, reason, location, name;
};

struct FoundRange {
    ByteRange range{};
    bool more_than_two_ranges = false;  // /ByteRange [a b c d e ...]
};

// Every /ByteRange [a b c d] in the file. A PAdES signature has exactly two ranges: an array
// with more numbers is reported (malformed) after its fifth number, without reading the rest.
std::vector<FoundRange> scanByteRanges(std::string_view data) {
    std::vector<FoundRange> out;
    constexpr std::string_view kKey = "/ByteRange";
    for (size_t pos = data.find(kKey); pos != std::string_view::npos;
         pos = data.find(kKey, pos + 1)) {
        size_t i = pos + kKey.size();
        auto skipSpace = [&] {
            while (i < data.size() && std::isspace(static_cast<unsigned char>(data[i]))) ++i;
        };
        auto number = [&](int64_t& value) {
            skipSpace();
            const size_t start = i;
            value = 0;
            while (i < data.size() && std::isdigit(static_cast<unsigned char>(data[i])) &&
                   i - start < 15)
                value = value * 10 + (data[i++] - '0');
            return i > start;
        };
        skipSpace();
        if (i >= data.size() || data[i] != '[') continue;
        ++i;
        FoundRange r;
        bool ok = true;
        for (auto& v : r.range) ok = ok && number(v);
        if (!ok) continue;
        skipSpace();
        if (i < data.size() && data[i] == ']') {
            out.push_back(r);
        } else if (int64_t extra = 0; number(extra)) {
            r.more_than_two_ranges = true;
            out.push_back(r);
        }
    }
    return out;
}

std::string textOf(std::string_view value) {
    if (value.empty()) return {};
    if (value.front() == '/') return syntax::decodeName(value);
    if (value.front() == '(' || (value.front() == '<' && value.substr(0, 2) != "<<"))
        return syntax::textToUtf8(syntax::decodeString(value));
    return {};
}

std::optional<ByteRange> byteRangeOf(std::string_view value) {
    syntax::Lexer lx(value, 0, nullptr);
    if (lx.next().kind != syntax::Tok::Open || value.front() != '[') return std::nullopt;
    ByteRange r{};
    for (auto& v : r) {
        const auto t = lx.next();
        const auto n = syntax::parseInt(value.substr(t.begin, t.end - t.begin));
        if (!n) return std::nullopt;
        v = *n;
    }
    if (lx.next().kind != syntax::Tok::Close) return std::nullopt;
    return r;
}

// "12 0 R" → 12.
std::optional<std::uint32_t> referencedObject(std::string_view value) {
    syntax::Lexer lx(value, 0, nullptr);
    const auto t = lx.next();
    const auto n = syntax::parseInt(value.substr(t.begin, t.end - t.begin));
    if (!n || value.find('R') == std::string_view::npos) return std::nullopt;
    return static_cast<std::uint32_t>(*n);
}

// Descriptive keys of every signature dictionary, keyed by /ByteRange.
std::map<ByteRange, SigDictInfo> readSignatureDictionaries(const syntax::Document& doc,
                                                           int max_depth) {
    std::map<ByteRange, SigDictInfo> out;
    std::map<std::uint32_t, ByteRange> by_object;
    for (const auto& o : doc.dictionaries) {
        if (o.value.find("ByteRange") == std::string_view::npos) continue;
        const auto d = syntax::dictEntries(o.value, max_depth, nullptr);
        const auto r = byteRangeOf(syntax::entry(d, "ByteRange"));
        if (!r) continue;
        auto& info = out[*r];
        info.sub_filter = textOf(syntax::entry(d, "SubFilter"));
        info.claimed_time = textOf(syntax::entry(d, "M"));
        info.reason = textOf(syntax::entry(d, "Reason"));
        info.location = textOf(syntax::entry(d, "Location"));
        info.name = textOf(syntax::entry(d, "Name"));
        if (!o.compressed) by_object[o.num] = *r;
    }
    // Field names: fields whose /V points at a signature dictionary.
    for (const auto& o : doc.dictionaries) {
        if (by_object.empty()) break;
        if (o.value.find("/V") == std::string_view::npos) continue;
        const auto d = syntax::dictEntries(o.value, max_depth, nullptr);
        const auto v = referencedObject(syntax::entry(d, "V"));
        const auto t = syntax::entry(d, "T");
        if (!v || t.empty()) continue;
        if (auto it = by_object.find(*v); it != by_object.end())
            out[it->second].field_name = textOf(t);
    }
    return out;
}

int hexDigit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// What the whole document offers every signature's check.
struct DocumentContext {
    const detail::ObjectIndex& index;  // every object definition, built once
    const std::vector<size_t>& eof_markers;
    std::shared_ptr<const ValidationMaterial> dss;
    int permission;  // DocMDP /P, 3 without a certification signature
    int max_depth;
};

void checkSignature(SignatureReport& r, std::string_view data, const DocumentContext& dc,
                    X509_STORE* store, const VerifyOptions& options) {
    const auto [a, b, c, d] = r.byte_range;
    const auto size = static_cast<int64_t>(data.size());
    r.byte_range_ok = a == 0 && b > 0 && c > b + 1 && d >= 0 && c + d <= size && data[b] == '<' &&
                      data[c - 1] == '>';
    for (int64_t i = b + 1; r.byte_range_ok && i < c - 1; ++i)
        r.byte_range_ok = hexDigit(data[static_cast<size_t>(i)]) >= 0;
    if (!r.byte_range_ok) {
        r.status = SignatureStatus::Malformed;
        r.message =
            _("The signature's /ByteRange does not match the file: it was damaged or "
              "tampered with.");
        return;
    }
    r.covers_whole_file = c + d == size;
    // Revisions end with %%EOF; this signature's revision ends where its second range ends.
    for (size_t pos : dc.eof_markers) {
        if (static_cast<int64_t>(pos) < c + d)
            ++r.revision;
        else
            ++r.revisions_after;
    }

    std::vector<uint8_t> cms_der;
    cms_der.reserve(static_cast<size_t>(c - b) / 2);
    for (int64_t i = b + 1; i + 1 < c - 1; i += 2)
        cms_der.push_back(static_cast<uint8_t>(hexDigit(data[static_cast<size_t>(i)]) * 16 +
                                               hexDigit(data[static_cast<size_t>(i) + 1])));
    {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        EVP_Digest(cms_der.data(), cms_der.size(), md, &n, EVP_sha1(), nullptr);
        r.contents_sha1.assign(md, md + n);
    }
    if (!r.covers_whole_file)
        r.changes_after = detail::classifyChanges(dc.index, static_cast<size_t>(c + d),
                                                  dc.permission, dc.max_depth);
    const unsigned char* p = cms_der.data();
    CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(cms_der.size())));
    // The zero padding after the DER is not part of the token.
    const std::span<const uint8_t> token_der(cms_der.data(),
                                             static_cast<size_t>(p - cms_der.data()));
    STACK_OF(CMS_SignerInfo)* infos = cms ? CMS_get0_SignerInfos(cms.get()) : nullptr;
    if (!infos || sk_CMS_SignerInfo_num(infos) != 1) {
        takeOpensslErrors();
        r.status = SignatureStatus::Malformed;
        r.message = _("The signature container is not a valid CMS signature.");
        return;
    }
    std::string content;
    content.reserve(static_cast<size_t>(b + d));
    content.append(data.substr(0, static_cast<size_t>(b)));
    content.append(data.substr(static_cast<size_t>(c), static_cast<size_t>(d)));
    auto addDss = [&] { r.document_material = dc.dss; };
    if (r.sub_filter == "ETSI.RFC3161") {
        checkDocumentTimestamp(r, cms.get(), token_der, content, store, options);
        addDss();
        if (r.status == SignatureStatus::Malformed && !r.message.empty()) return;
        setVerdict(r, _("The document was modified after the document timestamp (or the "
                        "timestamp is corrupt)."),
                   _("The document timestamp is valid."));
        return;
    }
    CMS_SignerInfo* si = sk_CMS_SignerInfo_value(infos, 0);
    X509* signer = readSigner(r, cms.get(), si);
    if (!signer) return;
    BioPtr content_bio(BIO_new_mem_buf(content.data(), static_cast<int>(content.size())));
    r.cms_valid = CMS_verify(cms.get(), nullptr, nullptr, content_bio.get(), nullptr,
                             CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) == 1;
    takeOpensslErrors();

    checkSignerInfo(r, cms.get(), si, signer, store, options);
    addDss();
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
    const DocumentLimits limits;
    const std::string data = detail::readWholeFile(path, limits.max_file_bytes);
    detail::requirePdfBytes(data, path);
    const syntax::Document doc = syntax::scanDocument(data, path, limits, /*parser_follows=*/false);
    X509StorePtr empty;
    if (!anchors) {
        empty.reset(X509_STORE_new());
        anchors = empty.get();
    }
    const auto ranges = scanByteRanges(data);
    if (ranges.empty()) {
        if (doc.object_count == 0)
            throw Error(ErrorKind::InvalidInput,
                        fmt::format(fmt::runtime(_("{0} is not a valid PDF ({1}).")), path.string(),
                                    _("no objects")),
                        path.string());
        throw Error(ErrorKind::InvalidInput,
                    fmt::format(fmt::runtime(_("{0} contains no signature.")), path.string()),
                    path.string());
    }
    const auto dictionaries = readSignatureDictionaries(doc, limits.max_nesting);
    std::vector<size_t> eof_markers;
    for (size_t pos = data.find("%%EOF"); pos != std::string::npos; pos = data.find("%%EOF", pos + 1))
        eof_markers.push_back(pos);
    const auto dss = std::make_shared<const ValidationMaterial>(detail::readDss(doc, limits));
    const detail::ObjectIndex index(doc, SIZE_MAX);
    const DocumentContext context{index, eof_markers, dss,
                                  detail::docMdpPermission(doc, limits.max_nesting).value_or(3),
                                  limits.max_nesting};
    std::map<ByteRange, SignatureReport> checked;  // the same range twice is checked once
    std::vector<SignatureReport> reports;
    for (const auto& found : ranges) {
        if (options.cancelled && options.cancelled())
            throw Error(ErrorKind::Cancelled, _("the verification was cancelled"), path.string());
        SignatureReport r;
        r.byte_range = found.range;
        if (auto it = dictionaries.find(found.range); it != dictionaries.end()) {
            r.field_name = it->second.field_name;
            r.sub_filter = it->second.sub_filter;
            r.claimed_time = it->second.claimed_time;
            r.reason = it->second.reason;
            r.location = it->second.location;
            r.name = it->second.name;
        }
        if (found.more_than_two_ranges) {
            r.status = SignatureStatus::Malformed;
            r.message = _("The signature's /ByteRange lists more than two ranges; a PDF signature "
                          "has exactly two (four numbers).");
        } else if (auto it = checked.find(found.range); it != checked.end()) {
            r = it->second;
        } else {
            checkSignature(r, data, context, anchors, options);
            checked.emplace(found.range, r);
        }
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
