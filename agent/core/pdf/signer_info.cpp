// Checks shared by PAdES and CAdES verification: see signer_info.hpp.
#include "certagent/core/pdf/signer_info.hpp"
#include "certagent/core/clock.hpp"

#include <fmt/format.h>
#include <openssl/ess.h>
#include <openssl/objects.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/pdf/ossl_ptr.hpp"
#include "certagent/core/pdf/verify.hpp"
#include "certagent/core/token/certificate_parser.hpp"
#include "certagent/core/token/chain_error_text.hpp"

namespace certagent::pdf {
namespace {

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

// Qualified as the token listing says it (qcStatements QcCompliance or an EU qualified policy).
bool isQualified(X509* cert) {
    token::Bytes bytes = derOf(cert);
    if (bytes.empty()) return false;
    try {
        return token::parseCertificate(bytes).qualified;
    } catch (const Error&) {
        return false;
    }
}

// The DER inside a SEQUENCE-typed attribute value (signing-certificate-v2, timestamp token).
std::optional<std::span<const uint8_t>> sequenceAttribute(X509_ATTRIBUTE* attr) {
    ASN1_TYPE* t = attr ? X509_ATTRIBUTE_get0_type(attr, 0) : nullptr;
    if (!t || t->type != V_ASN1_SEQUENCE) return std::nullopt;
    return std::span<const uint8_t>(t->value.sequence->data,
                                    static_cast<size_t>(t->value.sequence->length));
}

// One chain check at `at`; fills the chain (as built, or as far as it got) and the error.
bool chainAt(SignatureReport& r, X509* signer, STACK_OF(X509) * untrusted, X509_STORE* store,
             std::optional<std::time_t> at) {
    X509StoreCtxPtr ctx(X509_STORE_CTX_new());
    if (!ctx || !X509_STORE_CTX_init(ctx.get(), store, signer, untrusted)) {
        takeOpensslErrors();
        return false;
    }
    if (at) X509_STORE_CTX_set_time(ctx.get(), 0, *at);
    const bool ok = X509_verify_cert(ctx.get()) == 1;
    r.chain_error = ok ? 0 : X509_STORE_CTX_get_error(ctx.get());
    r.chain.clear();
    if (STACK_OF(X509)* built = X509_STORE_CTX_get0_chain(ctx.get()))
        for (int i = 0; i < sk_X509_num(built); ++i) r.chain.push_back(derOf(sk_X509_value(built, i)));
    if (r.chain.empty()) r.chain.push_back(derOf(signer));
    takeOpensslErrors();
    return ok;
}

void verifyChain(SignatureReport& r, X509* signer, STACK_OF(X509) * untrusted, X509_STORE* store,
                 const VerifyOptions& options) {
    if (!store) {
        r.chain_message = _("No trust anchors are configured.");
        r.chain.push_back(derOf(signer));
        return;
    }
    r.chain_trusted = chainAt(r, signer, untrusted, store, options.at);
    const int error_now = r.chain_error;
    // Long-term validation: a certificate that has expired since is judged at the time a
    // trusted timestamp proves the signature existed (ETSI EN 319 102-1, past signature
    // validation); whether it was revoked before then is the revocation check's business.
    if (!r.chain_trusted && error_now == X509_V_ERR_CERT_HAS_EXPIRED && r.timestamp_gen_time &&
        chainAt(r, signer, untrusted, store, r.timestamp_gen_time)) {
        r.chain_trusted = true;
        r.chain_valid_at_signing_time_only = true;
        r.chain_message = fmt::format(
            fmt::runtime(_("The certificate has expired since; it chained to a trusted authority "
                           "at {0}, when the timestamp proves the signature existed.")),
            r.timestamp_time);
        return;
    }
    r.chain_error = error_now;
    r.chain_message =
        r.chain_trusted
            ? _("The certificate chains to a trusted authority.")
            : fmt::format(fmt::runtime(_("The certificate is not trusted ({0}).")),
                          token::chainErrorText(error_now));
}

// A small DER reader for the revocation containers OpenSSL has no type for.
struct Tlv {
    unsigned tag = 0;
    std::span<const uint8_t> content, whole;
};
std::optional<Tlv> readTlv(std::span<const uint8_t>& in) {
    if (in.size() < 2) return std::nullopt;
    Tlv t;
    t.tag = in[0];
    size_t len = in[1], header = 2;
    if (len & 0x80) {
        const size_t n = len & 0x7F;
        if (n == 0 || n > 4 || in.size() < 2 + n) return std::nullopt;
        len = 0;
        for (size_t i = 0; i < n; ++i) len = (len << 8) | in[2 + i];
        header += n;
    }
    if (in.size() - header < len) return std::nullopt;
    t.content = in.subspan(header, len);
    t.whole = in.subspan(0, header + len);
    in = in.subspan(header + len);
    return t;
}

constexpr size_t kMaxEmbeddedItems = 64;  // of each kind, per signature

// The elements of a SEQUENCE OF (each element's whole DER) into `out`.
void collectSequence(std::span<const uint8_t> seq_content, std::vector<Der>& out) {
    while (!seq_content.empty() && out.size() < kMaxEmbeddedItems) {
        auto item = readTlv(seq_content);
        if (!item) return;
        out.emplace_back(item->whole.begin(), item->whole.end());
    }
}

// RevocationValues (CAdES, RFC 5126: [0] crlVals, [1] ocspVals, explicit) and Adobe's
// RevocationInfoArchival ([0] crl, [1] ocsp): the same shape for what certagent reads.
void readRevocationContainer(std::span<const uint8_t> der, ValidationMaterial& m) {
    auto outer = readTlv(der);
    if (!outer || outer->tag != 0x30) return;
    auto body = outer->content;
    while (!body.empty()) {
        auto field = readTlv(body);
        if (!field) return;
        auto inner = field->content;
        auto seq = readTlv(inner);
        if (!seq || seq->tag != 0x30) continue;
        if (field->tag == 0xA0) collectSequence(seq->content, m.crls);
        if (field->tag == 0xA1) collectSequence(seq->content, m.ocsp_responses);
    }
}

void readEmbeddedMaterial(SignatureReport& r, CMS_ContentInfo* cms, CMS_SignerInfo* si) {
    X509StackPtr certs(CMS_get1_certs(cms));
    for (int i = 0; certs && i < sk_X509_num(certs.get()) &&
                    r.embedded.certificates.size() < kMaxEmbeddedItems;
         ++i)
        r.embedded.certificates.push_back(derOf(sk_X509_value(certs.get(), i)));
    using ObjPtr = std::unique_ptr<ASN1_OBJECT, OsslDeleter<ASN1_OBJECT_free>>;
    const ObjPtr values(OBJ_txt2obj("1.2.840.113549.1.9.16.2.24", 1));  // CAdES revocation-values
    const ObjPtr archival(OBJ_txt2obj("1.2.840.113583.1.1.8", 1));  // adbe-revocationInfoArchival
    if (int i = values ? CMS_unsigned_get_attr_by_OBJ(si, values.get(), -1) : -1; i >= 0)
        if (auto der = sequenceAttribute(CMS_unsigned_get_attr(si, i)))
            readRevocationContainer(*der, r.embedded);
    if (int i = archival ? CMS_signed_get_attr_by_OBJ(si, archival.get(), -1) : -1; i >= 0)
        if (auto der = sequenceAttribute(CMS_signed_get_attr(si, i)))
            readRevocationContainer(*der, r.embedded);
    takeOpensslErrors();
}

void checkSigningCertificate(SignatureReport& r, CMS_SignerInfo* si, X509* signer) {
    int ess = CMS_signed_get_attr_by_NID(si, NID_id_smime_aa_signingCertificateV2, -1);
    if (ess < 0) return;
    r.signing_certificate_v2_present = true;
    if (auto der = sequenceAttribute(CMS_signed_get_attr(si, ess))) {
        const unsigned char* q = der->data();
        EssSigningCertV2Ptr sc(d2i_ESS_SIGNING_CERT_V2(nullptr, &q, static_cast<long>(der->size())));
        X509StackPtr one(sk_X509_new_null());
        X509_up_ref(signer);
        sk_X509_push(one.get(), signer);
        r.signing_certificate_v2_matches =
            sc && OSSL_ESS_check_signing_certs(nullptr, sc.get(), one.get(), 1) == 1;
    }
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
    std::optional<std::time_t> gen_time;
    if (TsTstInfoPtr info(PKCS7_to_TS_TST_INFO(token.get())); info) {
        r.timestamp_time = isoTime(TS_TST_INFO_get_time(info.get()));
        gen_time = epochOf(TS_TST_INFO_get_time(info.get()));
    }
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
    const bool signature_ok = CMS_verify(token_cms.get(), nullptr, nullptr, nullptr, nullptr,
                                         CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) == 1;
    takeOpensslErrors();
    r.timestamp_valid = imprint_ok && signature_ok;
    r.timestamp_trusted = r.timestamp_valid && store &&
                          verifyToken(TS_VFY_VERSION | TS_VFY_DATA | TS_VFY_SIGNATURE, store);
    if (r.timestamp_trusted) {
        // The TSA's chain, for its validation data (B-LT).
        SignatureReport scratch;
        STACK_OF(CMS_SignerInfo)* infos = CMS_get0_SignerInfos(token_cms.get());
        X509* tsa = nullptr;
        CMS_set1_signers_certs(token_cms.get(), nullptr, 0);
        if (infos && sk_CMS_SignerInfo_num(infos) == 1)
            CMS_SignerInfo_get0_algs(sk_CMS_SignerInfo_value(infos, 0), nullptr, &tsa, nullptr,
                                     nullptr);
        X509StackPtr certs(CMS_get1_certs(token_cms.get()));
        if (tsa && chainAt(scratch, tsa, certs.get(), store, std::nullopt))
            r.timestamp_chain = std::move(scratch.chain);
        takeOpensslErrors();
    }
    if (!imprint_ok)
        r.timestamp_message = _("The timestamp does not belong to this signature.");
    else if (!signature_ok)
        r.timestamp_message = _("The timestamp token's signature is invalid.");
    else if (!r.timestamp_trusted)
        r.timestamp_message = _("The timestamp is intact but its authority is not trusted.");
    else
        r.timestamp_message = _("The timestamp is valid and trusted.");
    if (r.timestamp_trusted) r.timestamp_gen_time = gen_time;
}

}  // namespace

X509* readSigner(SignatureReport& r, CMS_ContentInfo* cms, CMS_SignerInfo* si) {
    CMS_set1_signers_certs(cms, nullptr, 0);
    X509* signer = nullptr;
    X509_ALGOR* dig = nullptr;
    CMS_SignerInfo_get0_algs(si, nullptr, &signer, &dig, nullptr);
    if (dig) r.digest_algorithm = OBJ_nid2sn(OBJ_obj2nid(dig->algorithm));
    takeOpensslErrors();
    if (!signer) {
        r.status = SignatureStatus::Malformed;
        r.message = _("The signer's certificate is not included in the signature.");
        return nullptr;
    }
    r.signer_subject = nameOf(X509_get_subject_name(signer));
    r.signer_issuer = nameOf(X509_get_issuer_name(signer));
    r.signer_serial_hex = serialHex(signer);
    r.signer_not_before = isoTime(X509_get0_notBefore(signer));
    r.signer_not_after = isoTime(X509_get0_notAfter(signer));
    r.qualified = isQualified(signer);
    return signer;
}

void checkSignerInfo(SignatureReport& r, CMS_ContentInfo* cms, CMS_SignerInfo* si, X509* signer,
                     X509_STORE* store, const VerifyOptions& options) {
    X509StackPtr certs(CMS_get1_certs(cms));
    // The timestamp first: its time is when an expired certificate is judged.
    checkTimestamp(r, si, store);
    verifyChain(r, signer, certs.get(), store, options);
    r.signing_time_attribute_present =
        CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1) >= 0;
    checkSigningCertificate(r, si, signer);
    readEmbeddedMaterial(r, cms, si);
}

void checkDocumentTimestamp(SignatureReport& r, CMS_ContentInfo* cms, std::span<const uint8_t> der,
                            std::string_view content, X509_STORE* store,
                            const VerifyOptions& options) {
    r.document_timestamp = true;
    r.timestamp_present = true;
    const unsigned char* p = der.data();
    Pkcs7Ptr token(d2i_PKCS7(nullptr, &p, static_cast<long>(der.size())));
    TsTstInfoPtr info(token ? PKCS7_to_TS_TST_INFO(token.get()) : nullptr);
    STACK_OF(CMS_SignerInfo)* infos = CMS_get0_SignerInfos(cms);
    if (!token || !info || !infos || sk_CMS_SignerInfo_num(infos) != 1) {
        takeOpensslErrors();
        r.status = SignatureStatus::Malformed;
        r.message = _("The document timestamp is not a valid RFC 3161 timestamp token.");
        return;
    }
    CMS_SignerInfo* si = sk_CMS_SignerInfo_value(infos, 0);
    X509* tsa = readSigner(r, cms, si);
    if (!tsa) return;
    r.timestamp_time = isoTime(TS_TST_INFO_get_time(info.get()));
    const auto gen_time = epochOf(TS_TST_INFO_get_time(info.get()));
    auto verifyToken = [&](int flags, X509_STORE* with_store) {
        TsVerifyCtxPtr ctx(TS_VERIFY_CTX_new());
        TS_VERIFY_CTX_set_flags(ctx.get(), flags);
        TS_VERIFY_CTX_set_data(ctx.get(), BIO_new_mem_buf(content.data(),
                                                          static_cast<int>(content.size())));
        if (with_store) {
            X509_STORE_up_ref(with_store);
            TS_VERIFY_CTX_set_store(ctx.get(), with_store);
        }
        bool ok = TS_RESP_verify_token(ctx.get(), token.get()) == 1;
        takeOpensslErrors();
        return ok;
    };
    // The imprint over the byte ranges is the "message digest"; the token's own signature is
    // the signature value.
    const bool imprint_ok = verifyToken(TS_VFY_VERSION | TS_VFY_DATA, nullptr);
    r.cms_valid = imprint_ok && CMS_verify(cms, nullptr, nullptr, nullptr, nullptr,
                                           CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) == 1;
    takeOpensslErrors();
    r.timestamp_valid = r.cms_valid;
    X509StackPtr certs(CMS_get1_certs(cms));
    verifyChain(r, tsa, certs.get(), store, options);
    checkSigningCertificate(r, si, tsa);
    r.signing_certificate_v2_present = false;  // ESS signing-certificate (v1) is also allowed
    r.timestamp_trusted = r.cms_valid && store &&
                          verifyToken(TS_VFY_VERSION | TS_VFY_DATA | TS_VFY_SIGNATURE, store);
    if (r.timestamp_trusted) r.timestamp_gen_time = gen_time;
    r.timestamp_message = !imprint_ok      ? _("The document timestamp does not cover this "
                                               "revision of the document.")
                          : !r.cms_valid   ? _("The timestamp token's signature is invalid.")
                          : !r.timestamp_trusted
                              ? _("The timestamp is intact but its authority is not trusted.")
                              : _("The timestamp is valid and trusted.");
    readEmbeddedMaterial(r, cms, si);
}

void setVerdict(SignatureReport& r, const std::string& modified_message,
                const std::string& valid_message) {
    if (!r.cms_valid) {
        r.status = SignatureStatus::Modified;
        r.message = modified_message;
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
        r.message = valid_message;
    }
}

// Here rather than in verify_pdf.cpp: the names are needed where PoDoFo is not loaded
// (reports of CAdES signatures, JSON output).
ValidationMaterial SignatureReport::allMaterial() const {
    ValidationMaterial all = embedded;
    if (document_material) {
        const auto& d = *document_material;
        all.certificates.insert(all.certificates.end(), d.certificates.begin(), d.certificates.end());
        all.ocsp_responses.insert(all.ocsp_responses.end(), d.ocsp_responses.begin(),
                                  d.ocsp_responses.end());
        all.crls.insert(all.crls.end(), d.crls.begin(), d.crls.end());
    }
    return all;
}

const char* indicationName(Indication i) noexcept {
    switch (i) {
        case Indication::TotalPassed:
            return "TOTAL-PASSED";
        case Indication::TotalFailed:
            return "TOTAL-FAILED";
        case Indication::Indeterminate:
            return "INDETERMINATE";
    }
    return "INDETERMINATE";
}

const char* revocationStatusName(RevocationStatus s) noexcept {
    switch (s) {
        case RevocationStatus::Good:
            return "good";
        case RevocationStatus::Revoked:
            return "revoked";
        case RevocationStatus::Unknown:
            return "unknown";
    }
    return "unknown";
}

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

}  // namespace certagent::pdf
