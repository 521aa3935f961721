// Verification orchestration: PAdES through pdf::verifyPdf, detached CAdES here with OpenSSL's
// CMS_verify, both reported as pdf::SignatureReport.
#include "certagent/core/signing/verify.hpp"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/cms.h>
#include <openssl/pem.h>

#include <ctime>
#include <fstream>

#include "certagent/core/config.hpp"
#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"
#include "certagent/core/signing/trusted_list.hpp"
#include "certagent/core/token/certificate_parser.hpp"

namespace certagent::signing {
namespace {

using namespace certagent::pdf;

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

CmsPtr parseCms(std::span<const uint8_t> bytes) {
    const unsigned char* p = bytes.data();
    CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(bytes.size())));
    if (!cms) {
        BioPtr bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
        // PEM (-----BEGIN PKCS7-----), as some tools write it: back to DER, then CMS.
        if (Pkcs7Ptr p7(PEM_read_bio_PKCS7(bio.get(), nullptr, nullptr, nullptr)); p7) {
            unsigned char* der = nullptr;
            int n = i2d_PKCS7(p7.get(), &der);
            const unsigned char* q = der;
            if (n > 0) cms.reset(d2i_CMS_ContentInfo(nullptr, &q, n));
            OPENSSL_free(der);
        }
    }
    takeOpensslErrors();
    return cms;
}

void finish(SignatureReport& r) {
    if (!r.cms_valid) {
        r.status = SignatureStatus::Modified;
        r.message = _("The file was modified after signing (or the signature is corrupt).");
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
        r.message = _("The signature is valid.");
    }
}

}  // namespace

bool VerificationResult::allValid() const {
    if (signatures.empty()) return false;
    for (const auto& s : signatures)
        if (s.status != SignatureStatus::Valid) return false;
    return true;
}

VerificationResult verifyCadesDetached(std::span<const uint8_t> p7s, std::span<const uint8_t> data,
                                       X509_STORE* anchors, const VerifyOptions& options) {
    CmsPtr cms = parseCms(p7s);
    if (!cms || OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed)
        throw Error(ErrorKind::InvalidInput, _("the signature file is not a CMS signature (.p7s)"));
    if (!CMS_is_detached(cms.get()))
        throw Error(ErrorKind::InvalidInput,
                    _("the signature file carries its own content; a detached signature "
                      "(.p7s beside the file) was expected"));
    VerificationResult result;
    result.kind = SignedKind::Cades;
    STACK_OF(CMS_SignerInfo)* infos = CMS_get0_SignerInfos(cms.get());
    const int n = infos ? sk_CMS_SignerInfo_num(infos) : 0;
    if (n == 0) throw Error(ErrorKind::InvalidInput, _("the signature file holds no signature"));
    CMS_set1_signers_certs(cms.get(), nullptr, 0);
    takeOpensslErrors();
    X509StackPtr certs(CMS_get1_certs(cms.get()));
    for (int i = 0; i < n; ++i) {
        SignatureReport r;
        r.sub_filter = "CAdES detached";
        r.byte_range_ok = true;
        r.covers_whole_file = true;
        CMS_SignerInfo* si = sk_CMS_SignerInfo_value(infos, i);
        X509* signer = nullptr;
        X509_ALGOR* dig = nullptr;
        CMS_SignerInfo_get0_algs(si, nullptr, &signer, &dig, nullptr);
        if (dig) r.digest_algorithm = OBJ_nid2sn(OBJ_obj2nid(dig->algorithm));
        if (!signer) {
            r.status = SignatureStatus::Malformed;
            r.message = _("The signer's certificate is not included in the signature.");
            result.signatures.push_back(std::move(r));
            continue;
        }
        r.signer_subject = nameOf(X509_get_subject_name(signer));
        r.signer_issuer = nameOf(X509_get_issuer_name(signer));
        r.signer_serial_hex = serialHex(signer);
        r.signer_not_before = isoTime(X509_get0_notBefore(signer));
        r.signer_not_after = isoTime(X509_get0_notAfter(signer));
        r.qualified = isQualified(signer);

        // The content digest, then this SignerInfo's signature over its signed attributes.
        BioPtr content(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
        BioPtr chain(CMS_dataInit(cms.get(), content.get()));
        if (chain) {
            (void)content.release();  // now owned by the chain
            std::vector<unsigned char> buf(16384);
            while (BIO_read(chain.get(), buf.data(), static_cast<int>(buf.size())) > 0) {
            }
            const bool has_attributes = CMS_signed_get_attr_count(si) > 0;
            r.cms_valid = CMS_SignerInfo_verify_content(si, chain.get()) == 1 &&
                          (!has_attributes || CMS_SignerInfo_verify(si) == 1);
        }
        takeOpensslErrors();
        verifyChain(r, signer, certs.get(), anchors, options);
        r.signing_time_attribute_present =
            CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1) >= 0;
        int ess = CMS_signed_get_attr_by_NID(si, NID_id_smime_aa_signingCertificateV2, -1);
        if (ess >= 0) {
            r.signing_certificate_v2_present = true;
            if (auto der = sequenceAttribute(CMS_signed_get_attr(si, ess))) {
                const unsigned char* q = der->data();
                EssSigningCertV2Ptr sc(
                    d2i_ESS_SIGNING_CERT_V2(nullptr, &q, static_cast<long>(der->size())));
                X509StackPtr one(sk_X509_new_null());
                X509_up_ref(signer);
                sk_X509_push(one.get(), signer);
                r.signing_certificate_v2_matches =
                    sc && OSSL_ESS_check_signing_certs(nullptr, sc.get(), one.get(), 1) == 1;
            }
            takeOpensslErrors();
        }
        checkTimestamp(r, si, anchors);
        finish(r);
        result.signatures.push_back(std::move(r));
    }
    return result;
}

VerificationResult verifyPdfFile(const std::filesystem::path& pdf, X509_STORE* anchors,
                                 const VerifyOptions& options) {
    VerificationResult result;
    result.kind = SignedKind::Pdf;
    result.signatures = verifyPdf(pdf, anchors, options);
    return result;
}

X509StorePtr makeTrustStore(const std::vector<std::filesystem::path>& pem_bundles) {
    X509StorePtr store(X509_STORE_new());
    for (const auto& file : pem_bundles) {
        if (file.empty()) continue;
        BioPtr bio(BIO_new_file(file.string().c_str(), "r"));
        if (!bio)
            throw Error(ErrorKind::InvalidInput, _("the trust bundle cannot be read"),
                        file.string());
        int added = 0;
        while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
            if (X509_STORE_add_cert(store.get(), x) == 1) ++added;
            X509_free(x);
        }
        takeOpensslErrors();
        if (added == 0)
            throw Error(ErrorKind::InvalidInput, _("the trust bundle holds no certificate"),
                        file.string());
    }
    return store;
}

X509StorePtr trustStoreFromConfig(const config::Config& config,
                                  const std::filesystem::path& state_dir) {
    std::vector<std::filesystem::path> bundles;
    auto configured = config.getString("verify.ca_bundle");
    if (!configured.empty()) bundles.emplace_back(configured);
    X509StorePtr store = makeTrustStore(bundles);
    if (!config.getString("verify.trusted_list_url").empty()) {
        // Not the PEM export: the cached XML lists, re-verified now against the configured
        // signers, so nothing written into the state dir by someone else is trusted.
        auto cache = loadTrustedList(config, state_dir);
        for (const auto& problem : cache.problems)
            log::warn("verify", "EU trusted list: {}", problem);
        for (const auto& anchor : cache.anchors)
            X509_STORE_add_cert(store.get(), anchor.certificate.get());
        takeOpensslErrors();
    }
    return store;
}

nlohmann::json toJson(const SignatureReport& r, SignedKind kind) {
    nlohmann::json j = {
        {"status", signatureStatusName(r.status)},
        {"message", r.message},
        {"signer",
         {{"subject", r.signer_subject},
          {"issuer", r.signer_issuer},
          {"serial", r.signer_serial_hex},
          {"not_before", r.signer_not_before},
          {"not_after", r.signer_not_after}}},
        {"qualified", r.qualified},
        {"integrity", r.cms_valid},
        {"digest_algorithm", r.digest_algorithm},
        {"chain", {{"trusted", r.chain_trusted}, {"message", r.chain_message}}},
        {"signing_certificate_v2", r.signing_certificate_v2_present},
        {"timestamp",
         {{"present", r.timestamp_present},
          {"valid", r.timestamp_valid},
          {"trusted", r.timestamp_trusted},
          {"time", r.timestamp_time.empty() ? nlohmann::json() : nlohmann::json(r.timestamp_time)},
          {"message", r.timestamp_message}}},
    };
    if (kind == SignedKind::Pdf) {
        j["field"] = r.field_name;
        j["sub_filter"] = r.sub_filter;
        j["claimed_time"] = r.claimed_time;
        j["reason"] = r.reason;
        j["location"] = r.location;
        j["covers_whole_file"] = r.covers_whole_file;
        j["revision"] = r.revision;
        j["revisions_after"] = r.revisions_after;
    }
    return j;
}

nlohmann::json toJson(const VerificationResult& result) {
    nlohmann::json sigs = nlohmann::json::array();
    for (const auto& s : result.signatures) sigs.push_back(toJson(s, result.kind));
    return {{"type", result.kind == SignedKind::Pdf ? "pades" : "cades-detached"},
            {"valid", result.allValid()},
            {"signatures", std::move(sigs)}};
}

}  // namespace certagent::signing
