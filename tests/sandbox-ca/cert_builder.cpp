#include "cert_builder.hpp"

#include <openssl/rand.h>

#include <ctime>

namespace certagent::sandbox {

namespace {

// qcStatements (RFC 3739 / ETSI EN 319 412-5), DER: QcCompliance (0.4.0.1862.1.1),
// QcSSCD (0.4.0.1862.1.4), QcType (0.4.0.1862.1.6) = esign (0.4.0.1862.1.6.1).
const unsigned char kQcStatements[] = {
    0x30, 0x29,                                                        //
    0x30, 0x08, 0x06, 0x06, 0x04, 0x00, 0x8E, 0x46, 0x01, 0x01,        // QcCompliance
    0x30, 0x08, 0x06, 0x06, 0x04, 0x00, 0x8E, 0x46, 0x01, 0x04,        // QcSSCD
    0x30, 0x13, 0x06, 0x06, 0x04, 0x00, 0x8E, 0x46, 0x01, 0x06,        // QcType
    0x30, 0x09, 0x06, 0x07, 0x04, 0x00, 0x8E, 0x46, 0x01, 0x06, 0x01,  //   esign
};
const unsigned char kQcComplianceOid[] = {0x06, 0x06, 0x04, 0x00, 0x8E, 0x46, 0x01, 0x01};

void addExt(X509* cert, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer ? issuer : cert, cert, nullptr, nullptr, 0);
    X509ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
    if (!ext) throwOpenssl("extension " + std::string(OBJ_nid2sn(nid)) + "=" + value);
    if (!X509_add_ext(cert, ext.get(), -1)) throwOpenssl("X509_add_ext");
}

// certificatePolicies built directly: the config-string form needs a config database for
// anything but the simplest values.
void addPolicies(X509* cert, std::initializer_list<const char*> oids) {
    CERTIFICATEPOLICIES* pols = CERTIFICATEPOLICIES_new();
    for (const char* oid : oids) {
        POLICYINFO* info = POLICYINFO_new();
        ASN1_OBJECT_free(info->policyid);
        info->policyid = OBJ_txt2obj(oid, 1);
        sk_POLICYINFO_push(pols, info);
    }
    int ok = X509_add1_ext_i2d(cert, NID_certificate_policies, pols, 0, X509V3_ADD_DEFAULT);
    CERTIFICATEPOLICIES_free(pols);
    if (ok != 1) throwOpenssl("certificatePolicies");
}

void addQcStatements(X509* cert) {
    using ObjPtr = std::unique_ptr<ASN1_OBJECT, OsslDeleter<ASN1_OBJECT_free>>;
    using OctPtr = std::unique_ptr<ASN1_OCTET_STRING, OsslDeleter<ASN1_OCTET_STRING_free>>;
    ObjPtr oid(OBJ_txt2obj("1.3.6.1.5.5.7.1.3", 1));
    OctPtr data(ASN1_OCTET_STRING_new());
    ASN1_OCTET_STRING_set(data.get(), kQcStatements, sizeof kQcStatements);
    X509ExtPtr ext(X509_EXTENSION_create_by_OBJ(nullptr, oid.get(), 0, data.get()));
    if (!ext || !X509_add_ext(cert, ext.get(), -1)) throwOpenssl("qcStatements");
}

X509Ptr startCert(const X509_NAME* subject, EVP_PKEY* pub, X509* issuer, const Validity& v) {
    X509Ptr cert(X509_new());
    X509_set_version(cert.get(), 2);
    // 16 random bytes, top bit cleared: positive, unpredictable, unique enough (RFC 5280 <= 20).
    unsigned char raw[16];
    RAND_bytes(raw, sizeof raw);
    raw[0] &= 0x7F;
    raw[0] |= 0x10;  // no leading zero byte, so the hex form is always 32 digits
    BnPtr bn(BN_bin2bn(raw, sizeof raw, nullptr));
    BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get()));
    X509_set_subject_name(cert.get(), subject);
    X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : subject);
    ASN1_TIME_set(X509_getm_notBefore(cert.get()), static_cast<time_t>(v.not_before));
    ASN1_TIME_set(X509_getm_notAfter(cert.get()), static_cast<time_t>(v.not_after));
    X509_set_pubkey(cert.get(), pub);
    addExt(cert.get(), issuer, NID_subject_key_identifier, "hash");
    if (issuer) addExt(cert.get(), issuer, NID_authority_key_identifier, "keyid:always");
    return cert;
}

void sign(X509* cert, EVP_PKEY* key) {
    if (!X509_sign(cert, key, EVP_sha256())) throwOpenssl("X509_sign");
}

}  // namespace

X509NamePtr makeName(const NameParts& parts) {
    X509NamePtr name(X509_NAME_new());
    for (const auto& [field, value] : parts) {
        if (!X509_NAME_add_entry_by_txt(name.get(), field.c_str(), MBSTRING_UTF8,
                                        reinterpret_cast<const unsigned char*>(value.c_str()), -1,
                                        -1, 0))
            throwOpenssl("name entry " + field, ErrorKind::InvalidInput);
    }
    return name;
}

Validity validityFromNow(long long days, long long backdate_s) {
    long long now = static_cast<long long>(std::time(nullptr));
    return {now - backdate_s, now + days * 86400};
}

X509Ptr makeRootCa(const X509_NAME* subject, EVP_PKEY* key, const Validity& v) {
    auto cert = startCert(subject, key, nullptr, v);
    addExt(cert.get(), nullptr, NID_basic_constraints, "critical,CA:TRUE");
    addExt(cert.get(), nullptr, NID_key_usage, "critical,keyCertSign,cRLSign");
    sign(cert.get(), key);
    return cert;
}

X509Ptr makeSubCa(const X509_NAME* subject, EVP_PKEY* pub, X509* issuer, EVP_PKEY* issuer_key,
                  const Validity& v, const std::string& crl_url) {
    auto cert = startCert(subject, pub, issuer, v);
    addExt(cert.get(), issuer, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
    addExt(cert.get(), issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
    addPolicies(cert.get(), {"2.5.29.32.0"});  // anyPolicy
    if (!crl_url.empty()) addExt(cert.get(), issuer, NID_crl_distribution_points, "URI:" + crl_url);
    sign(cert.get(), issuer_key);
    return cert;
}

X509Ptr makeServerCert(EVP_PKEY* pub, X509* issuer, EVP_PKEY* issuer_key, const Validity& v) {
    auto subject = makeName({{"C", "RO"}, {"O", "CertAgent Sandbox"}, {"CN", "localhost"}});
    auto cert = startCert(subject.get(), pub, issuer, v);
    addExt(cert.get(), issuer, NID_basic_constraints, "critical,CA:FALSE");
    addExt(cert.get(), issuer, NID_key_usage, "critical,digitalSignature,keyEncipherment");
    addExt(cert.get(), issuer, NID_ext_key_usage, "serverAuth");
    addExt(cert.get(), issuer, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
    sign(cert.get(), issuer_key);
    return cert;
}

X509Ptr makeTsaCert(const X509_NAME* subject, EVP_PKEY* pub, X509* issuer, EVP_PKEY* issuer_key,
                    const Validity& v, const std::string& crl_url) {
    auto cert = startCert(subject, pub, issuer, v);
    addExt(cert.get(), issuer, NID_basic_constraints, "critical,CA:FALSE");
    addExt(cert.get(), issuer, NID_key_usage, "critical,digitalSignature,nonRepudiation");
    // RFC 3161 2.3: the TSA certificate has exactly one EKU, timeStamping, marked critical.
    addExt(cert.get(), issuer, NID_ext_key_usage, "critical,timeStamping");
    if (!crl_url.empty()) addExt(cert.get(), issuer, NID_crl_distribution_points, "URI:" + crl_url);
    sign(cert.get(), issuer_key);
    return cert;
}

X509Ptr makeTsaCertWithoutEku(const X509_NAME* subject, EVP_PKEY* pub, X509* issuer,
                              EVP_PKEY* issuer_key, const Validity& v) {
    auto cert = startCert(subject, pub, issuer, v);
    addExt(cert.get(), issuer, NID_basic_constraints, "critical,CA:FALSE");
    addExt(cert.get(), issuer, NID_key_usage, "critical,digitalSignature,nonRepudiation");
    sign(cert.get(), issuer_key);
    return cert;
}

X509Ptr makeQualifiedCert(const X509_NAME* subject, EVP_PKEY* pub, X509* issuer,
                          EVP_PKEY* issuer_key, const Validity& v, const std::string& ocsp_url,
                          const std::string& crl_url) {
    auto cert = startCert(subject, pub, issuer, v);
    addExt(cert.get(), issuer, NID_basic_constraints, "critical,CA:FALSE");
    addExt(cert.get(), issuer, NID_key_usage, "critical,digitalSignature,nonRepudiation");
    addExt(cert.get(), issuer, NID_ext_key_usage, "clientAuth,emailProtection");
    addPolicies(cert.get(), {"0.4.0.194112.1.2", kSandboxPolicyOid});  // QCP-n-qscd, ours
    addQcStatements(cert.get());
    if (!ocsp_url.empty()) addExt(cert.get(), issuer, NID_info_access, "OCSP;URI:" + ocsp_url);
    if (!crl_url.empty()) addExt(cert.get(), issuer, NID_crl_distribution_points, "URI:" + crl_url);
    sign(cert.get(), issuer_key);
    return cert;
}

bool hasQcCompliance(X509* cert) {
    int idx = X509_get_ext_by_NID(cert, NID_qcStatements, -1);
    if (idx < 0) return false;
    ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(X509_get_ext(cert, idx));
    std::string der(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                    static_cast<size_t>(ASN1_STRING_length(data)));
    return der.find(std::string(reinterpret_cast<const char*>(kQcComplianceOid),
                                sizeof kQcComplianceOid)) != std::string::npos;
}

}  // namespace certagent::sandbox
