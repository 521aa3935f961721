// CMS built piece by piece rather than with CMS_final: CMS_SignerInfo_sign always adds a
// signing-time attribute, which PAdES baseline forbids, and it needs a private EVP_PKEY where we
// only want to hand the signer a digest.
#include <certagent/core/error.hpp>
#include <certagent/core/i18n.hpp>
#include <certagent/core/pdf/cades.hpp>

#include <fmt/format.h>
#include <openssl/objects.h>

namespace certagent::pdf {
namespace {

[[noreturn]] void fail(const char* what) {
    throw Error(
        ErrorKind::Internal,
        fmt::format("building the CMS signature failed at {}: {}", what, takeOpensslErrors()),
        "pdf.cades");
}

std::vector<uint8_t> signingCertificateV2Der(X509* cert, int md_nid) {
    // ESSCertIDv2 with the certificate hash and issuerSerial (EN 319 122-1, 5.2.2.3).
    EssSigningCertV2Ptr sc(
        OSSL_ESS_signing_cert_v2_new_init(EVP_get_digestbynid(md_nid), cert, nullptr, 1));
    if (!sc) fail("signing-certificate-v2");
    auto der = derOf<i2d_ESS_SIGNING_CERT_V2>(sc.get());
    if (der.empty()) fail("signing-certificate-v2 encoding");
    return der;
}

// DER of the signed attributes as a SET OF (sorted), which is what the signature covers.
std::vector<uint8_t> signedAttributesDer(CMS_SignerInfo* si) {
    struct StackView {
        STACK_OF(X509_ATTRIBUTE) * s = sk_X509_ATTRIBUTE_new_null();
        ~StackView() { sk_X509_ATTRIBUTE_free(s); }  // elements are the SignerInfo's
    } view;
    for (int i = 0; i < CMS_signed_get_attr_count(si); ++i)
        sk_X509_ATTRIBUTE_push(view.s, CMS_signed_get_attr(si, i));
    unsigned char* buf = nullptr;
    int len =
        ASN1_item_i2d(reinterpret_cast<ASN1_VALUE*>(view.s), &buf, ASN1_ITEM_rptr(PKCS7_ATTR_SIGN));
    if (len <= 0) fail("signed attributes encoding");
    std::vector<uint8_t> der(buf, buf + len);
    OPENSSL_free(buf);
    return der;
}

std::vector<uint8_t> digest(int md_nid, std::span<const uint8_t> data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!EVP_Digest(data.data(), data.size(), out, &len, EVP_get_digestbynid(md_nid), nullptr))
        fail("digest");
    return {out, out + len};
}

}  // namespace

void addSignatureTimestamp(CMS_SignerInfo* si, std::span<const uint8_t> token) {
    if (token.empty())
        throw Error(ErrorKind::Protocol, _("The timestamp authority returned no token."));
    // Check it parses as a ContentInfo before it is sealed into the signature.
    const unsigned char* p = token.data();
    Pkcs7Ptr parsed(d2i_PKCS7(nullptr, &p, static_cast<long>(token.size())));
    if (!parsed) {
        takeOpensslErrors();
        throw Error(ErrorKind::Protocol, _("The timestamp token is not a valid RFC 3161 token."));
    }
    if (!CMS_unsigned_add1_attr_by_NID(si, NID_id_smime_aa_timeStampToken, V_ASN1_SEQUENCE,
                                       token.data(), static_cast<int>(token.size())))
        fail("signature-time-stamp attribute");
}

std::vector<uint8_t> buildCadesDetached(Signer& signer, std::span<const uint8_t> content_digest,
                                        int md_nid, const Timestamper& timestamper) {
    X509* cert = signer.certificate();
    const EVP_MD* md = EVP_get_digestbynid(md_nid);
    if (!cert || !md) throw Error(ErrorKind::Usage, "signer without certificate or bad digest");
    if (content_digest.size() != static_cast<size_t>(EVP_MD_get_size(md)))
        throw Error(ErrorKind::Usage, "content digest length does not match the digest algorithm");

    constexpr unsigned kFlags = CMS_DETACHED | CMS_BINARY | CMS_PARTIAL | CMS_NOSMIMECAP;
    CmsPtr cms(CMS_sign(nullptr, nullptr, nullptr, nullptr, kFlags));
    if (!cms) fail("CMS_sign");
    CMS_set_detached(cms.get(), 1);
    // The certificate's public key stands in for the private one: with CMS_PARTIAL nothing is
    // signed here; it only selects the signature algorithm (rsaEncryption, ecdsa-with-SHA256).
    CMS_SignerInfo* si = CMS_add1_signer(cms.get(), cert, X509_get0_pubkey(cert), md, kFlags);
    if (!si) fail("CMS_add1_signer");

    if (!CMS_signed_add1_attr_by_NID(si, NID_pkcs9_contentType, V_ASN1_OBJECT,
                                     OBJ_nid2obj(NID_pkcs7_data), -1))
        fail("content-type attribute");
    if (!CMS_signed_add1_attr_by_NID(si, NID_pkcs9_messageDigest, V_ASN1_OCTET_STRING,
                                     content_digest.data(),
                                     static_cast<int>(content_digest.size())))
        fail("message-digest attribute");
    auto sc = signingCertificateV2Der(cert, md_nid);
    if (!CMS_signed_add1_attr_by_NID(si, NID_id_smime_aa_signingCertificateV2, V_ASN1_SEQUENCE,
                                     sc.data(), static_cast<int>(sc.size())))
        fail("signing-certificate-v2 attribute");

    auto attrs_digest = digest(md_nid, signedAttributesDer(si));
    auto signature = signer.signDigest(md_nid, attrs_digest);
    if (!ASN1_STRING_set(CMS_SignerInfo_get0_signature(si), signature.data(),
                         static_cast<int>(signature.size())))
        fail("signature value");

    if (timestamper) addSignatureTimestamp(si, timestamper(signature));

    if (STACK_OF(X509)* chain = signer.chain()) {
        for (int i = 0; i < sk_X509_num(chain); ++i) {
            X509* c = sk_X509_value(chain, i);
            if (X509_cmp(c, cert) == 0) continue;  // already embedded by CMS_add1_signer
            if (!CMS_add1_cert(cms.get(), c)) takeOpensslErrors();  // duplicate: harmless
        }
    }

    auto der = derOf<i2d_CMS_ContentInfo>(cms.get());
    if (der.empty()) fail("CMS encoding");
    return der;
}

}  // namespace certagent::pdf
