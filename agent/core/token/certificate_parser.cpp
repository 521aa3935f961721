#include "certagent/core/token/certificate_parser.hpp"

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/token/openssl_handles.hpp"

#include <algorithm>
#include <array>
#include <ctime>
#include <openssl/bn.h>
#include <openssl/objects.h>

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

std::chrono::system_clock::time_point toTimePoint(const ASN1_TIME* t) {
    std::tm tm{};
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
        throw Error(ErrorKind::InvalidInput, _("The certificate has an invalid validity date"));
    return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::string objToText(const ASN1_OBJECT* obj) {
    std::array<char, 128> buf{};
    int n = OBJ_obj2txt(buf.data(), static_cast<int>(buf.size()), obj, 1);
    return n > 0 ? std::string(buf.data()) : std::string();
}

// Reads one DER TLV header; returns false on malformed input.
bool derHeader(const unsigned char*& p, const unsigned char* end, int& tag, std::size_t& len) {
    if (end - p < 2) return false;
    tag = *p++;
    std::size_t l = *p++;
    if (l & 0x80) {
        int n = static_cast<int>(l & 0x7f);
        if (n == 0 || n > 4 || end - p < n) return false;
        l = 0;
        while (n-- > 0) l = (l << 8) | *p++;
    }
    if (static_cast<std::size_t>(end - p) < l) return false;
    len = l;
    return true;
}

// qcStatements ::= SEQUENCE OF SEQUENCE { statementId OID, statementInfo ANY OPTIONAL }
std::vector<std::string> qcStatementIds(const ASN1_OCTET_STRING* value) {
    std::vector<std::string> ids;
    const unsigned char* p = ASN1_STRING_get0_data(value);
    const unsigned char* end = p + ASN1_STRING_length(value);
    int tag = 0;
    std::size_t len = 0;
    if (!derHeader(p, end, tag, len) || tag != 0x30) return ids;
    end = p + len;
    while (p < end) {
        if (!derHeader(p, end, tag, len) || tag != 0x30) break;
        const unsigned char* next = p + len;
        const unsigned char* q = p;
        ASN1_OBJECT* oid = d2i_ASN1_OBJECT(nullptr, &q, static_cast<long>(len));
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

CertificateInfo parseCertificate(const Bytes& der) {
    const unsigned char* p = der.data();
    X509Ptr x509(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    if (!x509 || p != der.data() + der.size())
        throw Error(ErrorKind::InvalidInput, _("The object is not a valid X.509 certificate"));

    CertificateInfo info;
    info.der = der;
    info.subject = nameToString(X509_get_subject_name(x509.get()));
    info.issuer = nameToString(X509_get_issuer_name(x509.get()));
    info.commonName = commonNameOf(X509_get_subject_name(x509.get()));
    info.notBefore = toTimePoint(X509_get0_notBefore(x509.get()));
    info.notAfter = toTimePoint(X509_get0_notAfter(x509.get()));

    if (BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x509.get()), nullptr)) {
        char* hex = BN_bn2hex(bn);
        info.serialHex = hex ? hex : "";
        OPENSSL_free(hex);
        BN_free(bn);
        std::transform(info.serialHex.begin(), info.serialHex.end(), info.serialHex.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    }

    info.keyUsage = keyUsageNames(X509_get_key_usage(x509.get()));

    if (auto* policies = static_cast<CERTIFICATEPOLICIES*>(
            X509_get_ext_d2i(x509.get(), NID_certificate_policies, nullptr, nullptr))) {
        for (int i = 0; i < sk_POLICYINFO_num(policies); ++i)
            info.policies.push_back(objToText(sk_POLICYINFO_value(policies, i)->policyid));
        CERTIFICATEPOLICIES_free(policies);
    }

    int idx = X509_get_ext_by_NID(x509.get(), NID_qcStatements, -1);
    if (idx >= 0) {
        for (const auto& id : qcStatementIds(X509_EXTENSION_get_data(X509_get_ext(x509.get(), idx)))) {
            if (id == kQcCompliance) info.qcCompliance = true;
            if (id == kQcSscd) info.qcSscd = true;
        }
    }
    info.qualified = info.qcCompliance || std::any_of(info.policies.begin(), info.policies.end(),
                                                      [](const std::string& o) {
                                                          return isEuQualifiedPolicy(o);
                                                      });

    if (EVP_PKEY* key = X509_get0_pubkey(x509.get())) {
        int base = EVP_PKEY_get_base_id(key);
        info.keyAlgorithm = base == EVP_PKEY_RSA ? "RSA"
                            : base == EVP_PKEY_EC ? "EC"
                                                  : OBJ_nid2sn(base);
        info.keyBits = EVP_PKEY_get_bits(key);
    }
    return info;
}

}  // namespace certagent::token
