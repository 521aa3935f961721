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

namespace {

struct Tlv {
    int tag = 0;
    const unsigned char* begin = nullptr;  // header start
    const unsigned char* value = nullptr;
    std::size_t len = 0;
    const unsigned char* end() const { return value + len; }
    long size() const { return static_cast<long>(end() - begin); }
};

bool nextTlv(const unsigned char*& p, const unsigned char* end, Tlv& t) {
    t.begin = p;
    std::size_t len = 0;
    if (!derHeader(p, end, t.tag, len)) return false;
    t.value = p;
    t.len = len;
    p += len;
    return true;
}

[[noreturn]] void notACertificate() {
    throw Error(ErrorKind::InvalidInput, _("The object is not a valid X.509 certificate"));
}

int ecBits(int nid) {
    switch (nid) {
    case NID_X9_62_prime256v1: return 256;
    case NID_secp384r1: return 384;
    case NID_secp521r1: return 521;
    default: return 0;
    }
}

// RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }, inside a BIT STRING.
int rsaBits(const Tlv& bits) {
    const unsigned char* p = bits.value + 1;  // skip the unused-bits byte
    Tlv seq, mod;
    if (bits.len < 1 || !nextTlv(p, bits.end(), seq) || seq.tag != 0x30) return 0;
    p = seq.value;
    if (!nextTlv(p, seq.end(), mod) || mod.tag != 0x02) return 0;
    std::size_t n = mod.len;
    const unsigned char* m = mod.value;
    while (n > 0 && *m == 0) { ++m; --n; }
    if (n == 0) return 0;
    int top = 0;
    for (unsigned char c = *m; c; c >>= 1) ++top;
    return static_cast<int>((n - 1) * 8) + top;
}

}  // namespace

// OpenSSL 3.0's d2i_X509 decodes the public key through its provider decoders, about 0.5 ms per
// certificate; listing a token does not need the key, so the TBSCertificate is walked here and
// only its parts are decoded (names, times, extensions). Every field is still checked for
// shape, so garbage is rejected.
CertificateInfo parseCertificate(const Bytes& der) {
    const unsigned char* p = der.data();
    const unsigned char* const end = der.data() + der.size();
    Tlv cert, tbs, sigAlg, sig;
    if (!nextTlv(p, end, cert) || cert.tag != 0x30 || p != end) notACertificate();
    p = cert.value;
    if (!nextTlv(p, cert.end(), tbs) || tbs.tag != 0x30 || !nextTlv(p, cert.end(), sigAlg) ||
        sigAlg.tag != 0x30 || !nextTlv(p, cert.end(), sig) || sig.tag != 0x03 || p != cert.end())
        notACertificate();

    CertificateInfo info;
    info.der = der;
    p = tbs.value;
    const unsigned char* const tend = tbs.end();
    Tlv t;
    if (!nextTlv(p, tend, t)) notACertificate();
    if (t.tag == 0xa0 && !nextTlv(p, tend, t)) notACertificate();  // [0] version
    if (t.tag != 0x02) notACertificate();
    {
        const unsigned char* q = t.begin;
        ASN1_INTEGER* serial = d2i_ASN1_INTEGER(nullptr, &q, t.size());
        if (!serial) notACertificate();
        BIGNUM* bn = ASN1_INTEGER_to_BN(serial, nullptr);
        ASN1_INTEGER_free(serial);
        char* hex = bn ? BN_bn2hex(bn) : nullptr;
        info.serialHex = hex ? hex : "";
        OPENSSL_free(hex);
        BN_free(bn);
        std::transform(info.serialHex.begin(), info.serialHex.end(), info.serialHex.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    }
    Tlv alg, issuer, validity, subject, spki;
    if (!nextTlv(p, tend, alg) || alg.tag != 0x30 || !nextTlv(p, tend, issuer) ||
        issuer.tag != 0x30 || !nextTlv(p, tend, validity) || validity.tag != 0x30 ||
        !nextTlv(p, tend, subject) || subject.tag != 0x30 || !nextTlv(p, tend, spki) ||
        spki.tag != 0x30)
        notACertificate();

    auto name = [&](const Tlv& n, std::string& text, std::string* cn) {
        const unsigned char* q = n.begin;
        X509NamePtr x(d2i_X509_NAME(nullptr, &q, n.size()));
        if (!x) notACertificate();
        text = nameToString(x.get());
        if (cn) *cn = commonNameOf(x.get());
    };
    name(issuer, info.issuer, nullptr);
    name(subject, info.subject, &info.commonName);

    {
        const unsigned char* q = validity.value;
        Tlv a, b;
        if (!nextTlv(q, validity.end(), a) || !nextTlv(q, validity.end(), b)) notACertificate();
        for (auto [tlv, out] : {std::pair{&a, &info.notBefore}, std::pair{&b, &info.notAfter}}) {
            const unsigned char* r = tlv->begin;
            ASN1_TIME* tm = d2i_ASN1_TIME(nullptr, &r, tlv->size());
            if (!tm) notACertificate();
            try {
                *out = toTimePoint(tm);
            } catch (...) {
                ASN1_TIME_free(tm);
                throw;
            }
            ASN1_TIME_free(tm);
        }
    }

    {
        const unsigned char* q = spki.value;
        Tlv keyAlg, keyBits, oid;
        if (!nextTlv(q, spki.end(), keyAlg) || keyAlg.tag != 0x30 ||
            !nextTlv(q, spki.end(), keyBits) || keyBits.tag != 0x03)
            notACertificate();
        const unsigned char* r = keyAlg.value;
        if (!nextTlv(r, keyAlg.end(), oid) || oid.tag != 0x06) notACertificate();
        const unsigned char* o = oid.begin;
        ASN1_OBJECT* obj = d2i_ASN1_OBJECT(nullptr, &o, oid.size());
        int nid = obj ? OBJ_obj2nid(obj) : NID_undef;
        ASN1_OBJECT_free(obj);
        if (nid == NID_rsaEncryption) {
            info.keyAlgorithm = "RSA";
            info.keyBits = rsaBits(keyBits);
        } else if (nid == NID_X9_62_id_ecPublicKey) {
            info.keyAlgorithm = "EC";
            Tlv curve;
            if (nextTlv(r, keyAlg.end(), curve) && curve.tag == 0x06) {
                const unsigned char* c = curve.begin;
                ASN1_OBJECT* cobj = d2i_ASN1_OBJECT(nullptr, &c, curve.size());
                info.keyBits = cobj ? ecBits(OBJ_obj2nid(cobj)) : 0;
                ASN1_OBJECT_free(cobj);
            }
        } else {
            info.keyAlgorithm = nid != NID_undef ? OBJ_nid2sn(nid) : "unknown";
        }
    }

    // Optional [1] issuerUniqueID, [2] subjectUniqueID, [3] extensions.
    while (p < tend) {
        if (!nextTlv(p, tend, t)) notACertificate();
        if (t.tag != 0xa3) continue;
        const unsigned char* q = t.value;
        X509_EXTENSIONS* exts = d2i_X509_EXTENSIONS(nullptr, &q, static_cast<long>(t.len));
        if (!exts) notACertificate();
        for (int i = 0; i < sk_X509_EXTENSION_num(exts); ++i) {
            X509_EXTENSION* ext = sk_X509_EXTENSION_value(exts, i);
            int nid = OBJ_obj2nid(X509_EXTENSION_get_object(ext));
            if (nid == NID_key_usage) {
                auto* ku = static_cast<ASN1_BIT_STRING*>(X509V3_EXT_d2i(ext));
                if (ku) {
                    uint32_t bits = 0;
                    for (int b = 0; b < 9; ++b)
                        if (ASN1_BIT_STRING_get_bit(ku, b)) bits |= (b < 8 ? 0x80u >> b : 0x8000u);
                    info.keyUsage = keyUsageNames(bits);
                    ASN1_BIT_STRING_free(ku);
                }
            } else if (nid == NID_certificate_policies) {
                auto* policies = static_cast<CERTIFICATEPOLICIES*>(X509V3_EXT_d2i(ext));
                if (policies) {
                    for (int k = 0; k < sk_POLICYINFO_num(policies); ++k)
                        info.policies.push_back(objToText(sk_POLICYINFO_value(policies, k)->policyid));
                    CERTIFICATEPOLICIES_free(policies);
                }
            } else if (nid == NID_qcStatements) {
                for (const auto& id : qcStatementIds(X509_EXTENSION_get_data(ext))) {
                    if (id == kQcCompliance) info.qcCompliance = true;
                    if (id == kQcSscd) info.qcSscd = true;
                }
            }
        }
        sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    }
    info.qualified = info.qcCompliance ||
                     std::any_of(info.policies.begin(), info.policies.end(),
                                 [](const std::string& o) { return isEuQualifiedPolicy(o); });
    return info;
}

}  // namespace certagent::token
