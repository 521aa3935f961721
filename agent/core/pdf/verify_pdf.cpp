// Signatures are found by scanning the raw bytes for /ByteRange rather than through the parsed
// document: a signature dictionary cannot live in an object stream (its /Contents is excluded
// by file offsets), and a tampered file that PoDoFo refuses to parse must still be reported as
// "modified", not as an unreadable PDF. PoDoFo only adds the dictionary's descriptive keys.
#include <certagent/core/error.hpp>
#include <certagent/core/i18n.hpp>
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

std::string isoTime(const ASN1_TIME* t) {
    std::tm tm{};
    if (!t || !ASN1_TIME_to_tm(t, &tm)) return {};
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string nameOf(const X509_NAME* name) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    char* p = nullptr;
    long n = BIO_get_mem_data(bio.get(), &p);
    return std::string(p, static_cast<size_t>(n));
}

std::string serialHex(X509* cert) {
    BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
    char* hex = bn ? BN_bn2hex(bn) : nullptr;
    std::string out = hex ? hex : "";
    OPENSSL_free(hex);
    BN_free(bn);
    return out;
}

// The DER inside a SEQUENCE-typed attribute value (signing-certificate-v2, timestamp token).
std::optional<std::span<const uint8_t>> sequenceAttribute(X509_ATTRIBUTE* attr) {
    ASN1_TYPE* t = attr ? X509_ATTRIBUTE_get0_type(attr, 0) : nullptr;
    if (!t || t->type != V_ASN1_SEQUENCE) return std::nullopt;
    return std::span<const uint8_t>(t->value.sequence->data,
                                    static_cast<size_t>(t->value.sequence->length));
}

bool isQualified(X509* cert) {
    int idx = X509_get_ext_by_NID(cert, NID_qcStatements, -1);
    if (idx < 0) return false;
    ASN1_OCTET_STRING* value = X509_EXTENSION_get_data(X509_get_ext(cert, idx));
    const unsigned char* p = value->data;
    using SeqPtr = std::unique_ptr<ASN1_SEQUENCE_ANY, decltype([](ASN1_SEQUENCE_ANY* s) {
                                       sk_ASN1_TYPE_pop_free(s, ASN1_TYPE_free);
                                   })>;
    SeqPtr statements(d2i_ASN1_SEQUENCE_ANY(nullptr, &p, value->length));
    for (int i = 0; statements && i < sk_ASN1_TYPE_num(statements.get()); ++i) {
        ASN1_TYPE* st = sk_ASN1_TYPE_value(statements.get(), i);
        if (st->type != V_ASN1_SEQUENCE) continue;
        const unsigned char* q = st->value.sequence->data;
        SeqPtr parts(d2i_ASN1_SEQUENCE_ANY(nullptr, &q, st->value.sequence->length));
        if (!parts || sk_ASN1_TYPE_num(parts.get()) < 1) continue;
        ASN1_TYPE* id = sk_ASN1_TYPE_value(parts.get(), 0);
        char oid[64];
        if (id->type == V_ASN1_OBJECT && OBJ_obj2txt(oid, sizeof oid, id->value.object, 1) > 0 &&
            std::string_view(oid) == "0.4.0.1862.1.1")
            return true;
    }
    takeOpensslErrors();
    return false;
}

void verifyChain(SignatureReport& r, X509* signer, STACK_OF(X509) * untrusted, X509_STORE* store,
                 const VerifyOptions& options) {
    X509StoreCtxPtr ctx(X509_STORE_CTX_new());
    if (!ctx || !X509_STORE_CTX_init(ctx.get(), store, signer, untrusted)) {
        r.chain_message = takeOpensslErrors();
        return;
    }
    if (options.at) X509_STORE_CTX_set_time(ctx.get(), 0, *options.at);
    r.chain_trusted = X509_verify_cert(ctx.get()) == 1;
    r.chain_message =
        r.chain_trusted
            ? _("The certificate chains to a trusted authority.")
            : fmt::format(fmt::runtime(_("The certificate is not trusted ({0}).")),
                          X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get())));
    takeOpensslErrors();
}

void checkTimestamp(SignatureReport& r, CMS_SignerInfo* si, X509_STORE* store) {
    int idx = CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_timeStampToken, -1);
    if (idx < 0) return;
    r.timestamp_present = true;
    auto der = sequenceAttribute(CMS_unsigned_get_attr(si, idx));
    const unsigned char* p = der ? der->data() : nullptr;
    Pkcs7Ptr token(der ? d2i_PKCS7(nullptr, &p, static_cast<long>(der->size())) : nullptr);
    const unsigned char* q = der ? der->data() : nullptr;
    CmsPtr token_cms(der ? d2i_CMS_ContentInfo(nullptr, &q, static_cast<long>(der->size()))
                         : nullptr);
    if (!token || !token_cms) {
        takeOpensslErrors();
        r.timestamp_message = _("The timestamp token cannot be read.");
        return;
    }
    if (TsTstInfoPtr info(PKCS7_to_TS_TST_INFO(token.get())); info)
        r.timestamp_time = isoTime(TS_TST_INFO_get_time(info.get()));

    const ASN1_OCTET_STRING* value = CMS_SignerInfo_get0_signature(si);
    auto verifyToken = [&](int flags, X509_STORE* with_store) {
        TsVerifyCtxPtr ctx(TS_VERIFY_CTX_new());
        TS_VERIFY_CTX_set_flags(ctx.get(), flags);
        TS_VERIFY_CTX_set_data(ctx.get(), BIO_new_mem_buf(value->data, value->length));
        if (with_store) {
            X509_STORE_up_ref(with_store);  // the context frees its store
            TS_VERIFY_CTX_set_store(ctx.get(), with_store);
        }
        bool ok = TS_RESP_verify_token(ctx.get(), token.get()) == 1;
        takeOpensslErrors();
        return ok;
    };
    const bool imprint_ok = verifyToken(TS_VFY_VERSION | TS_VFY_DATA, nullptr);
    const bool token_signature_ok = CMS_verify(token_cms.get(), nullptr, nullptr, nullptr, nullptr,
                                               CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) == 1;
    takeOpensslErrors();
    r.timestamp_valid = imprint_ok && token_signature_ok;
    r.timestamp_trusted =
        r.timestamp_valid && verifyToken(TS_VFY_VERSION | TS_VFY_DATA | TS_VFY_SIGNATURE, store);
    if (!imprint_ok)
        r.timestamp_message = _("The timestamp does not belong to this signature.");
    else if (!token_signature_ok)
        r.timestamp_message = _("The timestamp token's signature is invalid.");
    else if (!r.timestamp_trusted)
        r.timestamp_message = _("The timestamp is intact but its authority is not trusted.");
    else
        r.timestamp_message = _("The timestamp is valid and trusted.");
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
    CMS_set1_signers_certs(cms.get(), nullptr, 0);
    X509* signer = nullptr;
    X509_ALGOR* dig = nullptr;
    CMS_SignerInfo_get0_algs(si, nullptr, &signer, &dig, nullptr);
    if (dig) r.digest_algorithm = OBJ_nid2sn(OBJ_obj2nid(dig->algorithm));
    if (!signer) {
        takeOpensslErrors();
        r.status = SignatureStatus::Malformed;
        r.message = _("The signer's certificate is not included in the signature.");
        return;
    }
    r.signer_subject = nameOf(X509_get_subject_name(signer));
    r.signer_issuer = nameOf(X509_get_issuer_name(signer));
    r.signer_serial_hex = serialHex(signer);
    r.signer_not_before = isoTime(X509_get0_notBefore(signer));
    r.signer_not_after = isoTime(X509_get0_notAfter(signer));
    r.qualified = isQualified(signer);

    std::string content;
    content.reserve(static_cast<size_t>(b + d));
    content.append(data.substr(0, static_cast<size_t>(b)));
    content.append(data.substr(static_cast<size_t>(c), static_cast<size_t>(d)));
    BioPtr content_bio(BIO_new_mem_buf(content.data(), static_cast<int>(content.size())));
    r.cms_valid = CMS_verify(cms.get(), nullptr, nullptr, content_bio.get(), nullptr,
                             CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) == 1;
    takeOpensslErrors();

    X509StackPtr certs(CMS_get1_certs(cms.get()));
    verifyChain(r, signer, certs.get(), store, options);

    r.signing_time_attribute_present =
        CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1) >= 0;
    int ess = CMS_signed_get_attr_by_NID(si, NID_id_smime_aa_signingCertificateV2, -1);
    if (ess >= 0) {
        r.signing_certificate_v2_present = true;
        if (auto der = sequenceAttribute(CMS_signed_get_attr(si, ess))) {
            const unsigned char* q = der->data();
            EssSigningCertV2Ptr sc(
                d2i_ESS_SIGNING_CERT_V2(nullptr, &q, static_cast<long>(der->size())));
            X509StackPtr chain(sk_X509_new_null());
            X509_up_ref(signer);
            sk_X509_push(chain.get(), signer);
            r.signing_certificate_v2_matches =
                sc && OSSL_ESS_check_signing_certs(nullptr, sc.get(), chain.get(), 1) == 1;
        }
        takeOpensslErrors();
    }
    checkTimestamp(r, si, store);

    if (!r.cms_valid) {
        r.status = SignatureStatus::Modified;
        r.message = _("The document was modified after signing (or the signature is corrupt).");
    } else if (r.signing_certificate_v2_present && !r.signing_certificate_v2_matches) {
        r.status = SignatureStatus::Modified;
        r.message =
            _("The signature names a different signing certificate than the one "
              "included.");
    } else if (!r.chain_trusted) {
        r.status = SignatureStatus::Untrusted;
        r.message = fmt::format(fmt::runtime(_("The signature is intact, but the signer is not "
                                               "trusted: {0}")),
                                r.chain_message);
    } else {
        r.status = SignatureStatus::Valid;
        r.message = r.covers_whole_file
                        ? _("The signature is valid.")
                        : fmt::format(fmt::runtime(_("The signature is valid for revision {0}; "
                                                     "the document was updated {1} time(s) "
                                                     "after it.")),
                                      r.revision, r.revisions_after);
    }
}

}  // namespace

const char* signatureStatusName(SignatureStatus s) noexcept {
    switch (s) {
        case SignatureStatus::Valid:
            return "valid";
        case SignatureStatus::Untrusted:
            return "untrusted";
        case SignatureStatus::Modified:
            return "modified";
        case SignatureStatus::Malformed:
            return "malformed";
    }
    return "unknown";
}

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
