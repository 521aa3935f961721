// Checks shared by PAdES and CAdES verification: see signer_info.hpp.
#include "certagent/core/pdf/signer_info.hpp"

#include <fmt/format.h>
#include <openssl/ess.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <optional>
#include <span>

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
    unsigned char* der = nullptr;
    int n = i2d_X509(cert, &der);
    if (n <= 0) return false;
    token::Bytes bytes(der, der + n);
    OPENSSL_free(der);
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

void verifyChain(SignatureReport& r, X509* signer, STACK_OF(X509) * untrusted, X509_STORE* store,
                 const VerifyOptions& options) {
    X509StoreCtxPtr ctx(X509_STORE_CTX_new());
    if (!store || !ctx || !X509_STORE_CTX_init(ctx.get(), store, signer, untrusted)) {
        r.chain_message = _("No trust anchors are configured.");
        takeOpensslErrors();
        return;
    }
    if (options.at) X509_STORE_CTX_set_time(ctx.get(), 0, *options.at);
    r.chain_trusted = X509_verify_cert(ctx.get()) == 1;
    r.chain_message = r.chain_trusted
                          ? _("The certificate chains to a trusted authority.")
                          : fmt::format(fmt::runtime(_("The certificate is not trusted ({0}).")),
                                        token::chainErrorText(X509_STORE_CTX_get_error(ctx.get())));
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
    const bool signature_ok = CMS_verify(token_cms.get(), nullptr, nullptr, nullptr, nullptr,
                                         CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) == 1;
    takeOpensslErrors();
    r.timestamp_valid = imprint_ok && signature_ok;
    r.timestamp_trusted = r.timestamp_valid && store &&
                          verifyToken(TS_VFY_VERSION | TS_VFY_DATA | TS_VFY_SIGNATURE, store);
    if (!imprint_ok)
        r.timestamp_message = _("The timestamp does not belong to this signature.");
    else if (!signature_ok)
        r.timestamp_message = _("The timestamp token's signature is invalid.");
    else if (!r.timestamp_trusted)
        r.timestamp_message = _("The timestamp is intact but its authority is not trusted.");
    else
        r.timestamp_message = _("The timestamp is valid and trusted.");
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
    verifyChain(r, signer, certs.get(), store, options);
    r.signing_time_attribute_present =
        CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1) >= 0;
    checkSigningCertificate(r, si, signer);
    checkTimestamp(r, si, store);
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
