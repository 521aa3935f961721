#include "certagent/core/token/certificate_parser.hpp"
#include "certagent/core/clock.hpp"

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/token/openssl_handles.hpp"

#include <algorithm>
#include <array>
#include <ctime>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

namespace certagent::token {

namespace {

constexpr std::string_view kQcCompliance = "0.4.0.1862.1.1";
constexpr std::string_view kQcSscd = "0.4.0.1862.1.4";

std::string nameToString(const X509_NAME* name) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    // RFC 2253 order and escaping, but keep UTF-8 as it is (Romanian diacritics).
    X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    char* data = nullptr;
    long len = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(len));
}

std::string commonNameOf(const X509_NAME* name) {
    int idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    if (idx < 0) return {};
    const ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
    unsigned char* utf8 = nullptr;
    int len = ASN1_STRING_to_UTF8(&utf8, s);
    if (len < 0) return {};
    std::string out(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(len));
    OPENSSL_free(utf8);
    return out;
}

// system_clock counts nanoseconds in 64 bits: 1678..2262. Dates outside saturate there instead
// of wrapping around (9999-12-31 used to come out as 1816, "expired").
constexpr std::time_t kLatest = 9214646400;     // 2262-01-01T00:00:00Z
constexpr std::time_t kEarliest = -9214560000;  // 1678-01-01T00:00:00Z

std::chrono::system_clock::time_point toTimePoint(const ASN1_TIME* t) {
    std::tm tm{};
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
        throw Error(ErrorKind::InvalidInput, _("The certificate has an invalid validity date"));
    // utcEpoch works in 64-bit time_t for every year an ASN1_TIME can hold (0000..9999).
    const std::time_t secs = std::clamp(utcEpoch(tm), kEarliest, kLatest);
    return std::chrono::system_clock::from_time_t(secs);
}

bool isNoExpiry(const ASN1_TIME* t) {
    return ASN1_STRING_type(t) == V_ASN1_GENERALIZEDTIME &&
           std::string_view(reinterpret_cast<const char*>(ASN1_STRING_get0_data(t)),
                            static_cast<std::size_t>(ASN1_STRING_length(t))) == "99991231235959Z";
}

std::string objToText(const ASN1_OBJECT* obj) {
    std::array<char, 128> buf{};
    int n = OBJ_obj2txt(buf.data(), static_cast<int>(buf.size()), obj, 1);
    return n > 0 ? std::string(buf.data()) : std::string();
}

std::size_t minimalHeaderSize(int tag, long len) {
    std::size_t size = 1;
    if (tag >= 31)
        for (int t = tag; t > 0; t >>= 7) ++size;
    ++size;
    if (len >= 128)
        for (long l = len; l > 0; l >>= 8) ++size;
    return size;
}

// DER, not just BER: every length definite and minimal, every tag minimal, strings primitive.
// OpenSSL's decoder (ASN1_get_object, d2i_X509) also accepts BER's leading zero bytes in
// lengths, so each header is checked here, through OpenSSL's own header reader.
bool isStrictDer(const unsigned char* p, long n, int depth = 0) {
    if (depth > 32) return false;
    const unsigned char* const end = p + n;
    while (p < end) {
        const unsigned char* start = p;
        long len = 0;
        int tag = 0, cls = 0;
        const int ret = ASN1_get_object(&p, &len, &tag, &cls, end - p);
        if ((ret & 0x80) || ret == 0x21) return false;  // error, or indefinite length
        if (static_cast<std::size_t>(p - start) != minimalHeaderSize(tag, len)) return false;
        const bool constructed = (ret & V_ASN1_CONSTRUCTED) != 0;
        if (constructed && cls == V_ASN1_UNIVERSAL && tag != V_ASN1_SEQUENCE && tag != V_ASN1_SET)
            return false;
        if (constructed && !isStrictDer(p, len, depth + 1)) return false;
        p += len;
    }
    return true;
}

// qcStatements ::= SEQUENCE OF SEQUENCE { statementId OID, statementInfo ANY OPTIONAL }
std::vector<std::string> qcStatementIds(const ASN1_OCTET_STRING* value) {
    std::vector<std::string> ids;
    const unsigned char* p = ASN1_STRING_get0_data(value);
    const long n = ASN1_STRING_length(value);
    if (!isStrictDer(p, n)) return ids;
    long len = 0;
    int tag = 0, cls = 0;
    if (ASN1_get_object(&p, &len, &tag, &cls, n) != V_ASN1_CONSTRUCTED || tag != V_ASN1_SEQUENCE)
        return ids;
    const unsigned char* const end = p + len;
    while (p < end) {
        const unsigned char* q = p;
        if (ASN1_get_object(&q, &len, &tag, &cls, end - p) != V_ASN1_CONSTRUCTED ||
            tag != V_ASN1_SEQUENCE)
            break;
        const unsigned char* next = q + len;
        ASN1_OBJECT* oid = d2i_ASN1_OBJECT(nullptr, &q, len);
        if (oid) {
            ids.push_back(objToText(oid));
            ASN1_OBJECT_free(oid);
        }
        p = next;
    }
    return ids;
}

std::vector<std::string> keyUsageNames(uint32_t ku) {
    static constexpr std::pair<uint32_t, const char*> kNames[] = {
        {KU_DIGITAL_SIGNATURE, "digitalSignature"}, {KU_NON_REPUDIATION, "nonRepudiation"},
        {KU_KEY_ENCIPHERMENT, "keyEncipherment"},   {KU_DATA_ENCIPHERMENT, "dataEncipherment"},
        {KU_KEY_AGREEMENT, "keyAgreement"},         {KU_KEY_CERT_SIGN, "keyCertSign"},
        {KU_CRL_SIGN, "cRLSign"},                   {KU_ENCIPHER_ONLY, "encipherOnly"},
        {KU_DECIPHER_ONLY, "decipherOnly"},
    };
    std::vector<std::string> out;
    if (ku == UINT32_MAX) return out;  // no keyUsage extension
    for (const auto& [bit, name] : kNames)
        if (ku & bit) out.emplace_back(name);
    return out;
}

}  // namespace

bool isEuQualifiedPolicy(std::string_view oid) noexcept {
    static constexpr std::string_view kPolicies[] = {
        "0.4.0.194112.1.0",  // QCP-n
        "0.4.0.194112.1.1",  // QCP-l
        "0.4.0.194112.1.2",  // QCP-n-qscd
        "0.4.0.194112.1.3",  // QCP-l-qscd
        "0.4.0.194112.1.4",  // QCP-w
        "0.4.0.1456.1.1",    // ETSI TS 101 456 QCP+ (public + SSCD), pre-eIDAS
        "0.4.0.1456.1.2",    // ETSI TS 101 456 QCP (public), pre-eIDAS
    };
    return std::find(std::begin(kPolicies), std::end(kPolicies), oid) != std::end(kPolicies);
}

namespace {

[[noreturn]] void notACertificate() {
    ERR_clear_error();
    throw Error(ErrorKind::InvalidInput, _("The object is not a valid X.509 certificate"));
}

std::string serialHexOf(const X509* x) {
    BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), nullptr);
    char* hex = bn ? BN_bn2hex(bn) : nullptr;
    std::string out = hex ? hex : "";
    OPENSSL_free(hex);
    BN_free(bn);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

void readKey(const X509* x, CertificateInfo& info) {
    const ASN1_OBJECT* alg = nullptr;
    X509_PUBKEY_get0_param(const_cast<ASN1_OBJECT**>(&alg), nullptr, nullptr, nullptr,
                           X509_get_X509_PUBKEY(x));
    const int nid = alg ? OBJ_obj2nid(alg) : NID_undef;
    EVP_PKEY* key = X509_get0_pubkey(x);
    if (nid == NID_rsaEncryption) {
        info.keyAlgorithm = "RSA";
    } else if (nid == NID_X9_62_id_ecPublicKey) {
        info.keyAlgorithm = "EC";
    } else {
        info.keyAlgorithm = nid != NID_undef ? OBJ_nid2sn(nid) : "unknown";
        return;
    }
    info.keyBits = key ? EVP_PKEY_get_bits(key) : 0;
}

}  // namespace

// The whole certificate is decoded by OpenSSL (d2i_X509) after a check that it is DER; the
// fields come from OpenSSL's getters.
CertificateInfo parseCertificate(const Bytes& der) {
    if (der.empty() || der.size() > 1024 * 1024 ||
        !isStrictDer(der.data(), static_cast<long>(der.size())))
        notACertificate();
    const unsigned char* p = der.data();
    X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    if (!x || p != der.data() + der.size()) notACertificate();

    CertificateInfo info;
    info.der = der;
    info.serialHex = serialHexOf(x.get());
    info.issuer = nameToString(X509_get_issuer_name(x.get()));
    info.subject = nameToString(X509_get_subject_name(x.get()));
    info.commonName = commonNameOf(X509_get_subject_name(x.get()));
    info.notBefore = toTimePoint(X509_get0_notBefore(x.get()));
    info.notAfter = toTimePoint(X509_get0_notAfter(x.get()));
    info.noExpiry = isNoExpiry(X509_get0_notAfter(x.get()));
    readKey(x.get(), info);

    info.keyUsage = keyUsageNames(X509_get_key_usage(x.get()));
    if (auto* policies = static_cast<CERTIFICATEPOLICIES*>(
            X509_get_ext_d2i(x.get(), NID_certificate_policies, nullptr, nullptr))) {
        for (int k = 0; k < sk_POLICYINFO_num(policies); ++k)
            info.policies.push_back(objToText(sk_POLICYINFO_value(policies, k)->policyid));
        CERTIFICATEPOLICIES_free(policies);
    }
    if (const int i = X509_get_ext_by_NID(x.get(), NID_qcStatements, -1); i >= 0) {
        for (const auto& id : qcStatementIds(X509_EXTENSION_get_data(X509_get_ext(x.get(), i)))) {
            if (id == kQcCompliance) info.qcCompliance = true;
            if (id == kQcSscd) info.qcSscd = true;
        }
    }
    ERR_clear_error();
    info.qualified = info.qcCompliance ||
                     std::any_of(info.policies.begin(), info.policies.end(),
                                 [](const std::string& o) { return isEuQualifiedPolicy(o); });
    return info;
}

}  // namespace certagent::token
