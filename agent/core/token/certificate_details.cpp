#include "certagent/core/token/certificate_details.hpp"

#include "certagent/core/error.hpp"
#include "certagent/core/token/certificate_parser.hpp"
#include "certagent/core/token/chain_error_text.hpp"
#include "certagent/core/token/openssl_handles.hpp"

#include <array>
#include <cstdlib>
#include <fmt/format.h>
#include <map>
#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>

namespace certagent::token {

namespace {

using json = nlohmann::json;
using StorePtr = std::unique_ptr<X509_STORE, OsslDeleter<X509_STORE_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, OsslDeleter<X509_STORE_CTX_free>>;
using SeqAnyPtr = std::unique_ptr<ASN1_SEQUENCE_ANY, OsslDeleter<+[](ASN1_SEQUENCE_ANY* s) {
                                      sk_ASN1_TYPE_pop_free(s, ASN1_TYPE_free);
                                  }>>;

std::string oidText(const ASN1_OBJECT* obj) {
    std::array<char, 128> buf{};
    int n = OBJ_obj2txt(buf.data(), static_cast<int>(buf.size()), obj, 1);
    return n > 0 ? std::string(buf.data()) : std::string();
}

std::string utf8(const ASN1_STRING* s) {
    unsigned char* out = nullptr;
    int len = ASN1_STRING_to_UTF8(&out, s);
    if (len < 0) return {};
    std::string text(reinterpret_cast<char*>(out), static_cast<std::size_t>(len));
    OPENSSL_free(out);
    return text;
}

std::string nameText(const X509_NAME* name) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    char* data = nullptr;
    long len = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(len));
}

// In the order of the certificate (most significant first: C, O, ..., CN).
std::vector<NameField> nameFields(const X509_NAME* name) {
    std::vector<NameField> out;
    for (int i = 0; i < X509_NAME_entry_count(name); ++i) {
        const X509_NAME_ENTRY* e = X509_NAME_get_entry(name, i);
        const ASN1_OBJECT* obj = X509_NAME_ENTRY_get_object(e);
        const int nid = OBJ_obj2nid(obj);
        NameField f;
        f.type = nid != NID_undef ? OBJ_nid2sn(nid) : oidText(obj);
        f.label = nid != NID_undef ? OBJ_nid2ln(nid) : oidText(obj);
        f.value = utf8(X509_NAME_ENTRY_get_data(e));
        out.push_back(std::move(f));
    }
    return out;
}

std::string fingerprint(const X509* x, const EVP_MD* md) {
    unsigned char buf[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (X509_digest(x, md, buf, &len) != 1) return {};
    std::string out;
    for (unsigned int i = 0; i < len; ++i) out += fmt::format("{}{:02X}", i ? ":" : "", buf[i]);
    return out;
}

// Names of the policy OIDs people meet on EU certificates (ETSI EN 319 411-1/-2).
std::string policyName(const std::string& oid) {
    static const std::map<std::string, std::string> kNames = {
        {"0.4.0.194112.1.0", "QCP-n"},      {"0.4.0.194112.1.1", "QCP-l"},
        {"0.4.0.194112.1.2", "QCP-n-qscd"}, {"0.4.0.194112.1.3", "QCP-l-qscd"},
        {"0.4.0.194112.1.4", "QCP-w"},      {"0.4.0.2042.1.1", "NCP"},
        {"0.4.0.2042.1.2", "NCP+"},         {"0.4.0.2042.1.3", "LCP"},
        {"0.4.0.1456.1.1", "QCP+ (ETSI TS 101 456)"},
        {"0.4.0.1456.1.2", "QCP (ETSI TS 101 456)"},
        {"2.23.140.1.2.1", "CA/B Forum DV"},
    };
    auto it = kNames.find(oid);
    return it != kNames.end() ? it->second : std::string();
}

std::vector<NamedOid> extendedKeyUsage(const X509* x) {
    std::vector<NamedOid> out;
    auto* eku = static_cast<EXTENDED_KEY_USAGE*>(
        X509_get_ext_d2i(x, NID_ext_key_usage, nullptr, nullptr));
    if (!eku) return out;
    for (int i = 0; i < sk_ASN1_OBJECT_num(eku); ++i) {
        const ASN1_OBJECT* o = sk_ASN1_OBJECT_value(eku, i);
        const int nid = OBJ_obj2nid(o);
        out.push_back({oidText(o), nid != NID_undef ? OBJ_nid2ln(nid) : std::string()});
    }
    EXTENDED_KEY_USAGE_free(eku);
    return out;
}

// SEQUENCE OF ANY from a DER buffer; null when it is not one.
SeqAnyPtr sequenceOf(const unsigned char* p, long len) {
    return SeqAnyPtr(d2i_ASN1_SEQUENCE_ANY(nullptr, &p, len));
}

// qcStatements ::= SEQUENCE OF QCStatement; QCStatement ::= SEQUENCE { statementId OID,
// statementInfo ANY OPTIONAL } (RFC 3739, ETSI EN 319 412-5).
QcStatements qcStatements(const X509* x) {
    QcStatements qc;
    const int idx = X509_get_ext_by_NID(x, NID_qcStatements, -1);
    if (idx < 0) return qc;
    const ASN1_OCTET_STRING* value = X509_EXTENSION_get_data(X509_get_ext(x, idx));
    auto statements = sequenceOf(ASN1_STRING_get0_data(value), ASN1_STRING_length(value));
    if (!statements) return qc;
    for (int i = 0; i < sk_ASN1_TYPE_num(statements.get()); ++i) {
        const ASN1_TYPE* st = sk_ASN1_TYPE_value(statements.get(), i);
        if (st->type != V_ASN1_SEQUENCE) continue;
        auto parts = sequenceOf(ASN1_STRING_get0_data(st->value.sequence),
                                ASN1_STRING_length(st->value.sequence));
        if (!parts || sk_ASN1_TYPE_num(parts.get()) < 1) continue;
        const ASN1_TYPE* id = sk_ASN1_TYPE_value(parts.get(), 0);
        if (id->type != V_ASN1_OBJECT) continue;
        const std::string oid = oidText(id->value.object);
        qc.ids.push_back(oid);
        const ASN1_TYPE* info =
            sk_ASN1_TYPE_num(parts.get()) > 1 ? sk_ASN1_TYPE_value(parts.get(), 1) : nullptr;
        if (oid == "0.4.0.1862.1.1") qc.compliance = true;
        if (oid == "0.4.0.1862.1.4") qc.sscd = true;
        if (oid == "0.4.0.1862.1.3" && info && info->type == V_ASN1_INTEGER) {
            long years = ASN1_INTEGER_get(info->value.integer);
            if (years >= 0 && years < 1000) qc.retentionYears = static_cast<int>(years);
        }
        if (oid == "0.4.0.1862.1.6" && info && info->type == V_ASN1_SEQUENCE) {
            auto types = sequenceOf(ASN1_STRING_get0_data(info->value.sequence),
                                    ASN1_STRING_length(info->value.sequence));
            for (int k = 0; types && k < sk_ASN1_TYPE_num(types.get()); ++k) {
                const ASN1_TYPE* t = sk_ASN1_TYPE_value(types.get(), k);
                if (t->type != V_ASN1_OBJECT) continue;
                const std::string type = oidText(t->value.object);
                qc.types.push_back(type == "0.4.0.1862.1.6.1"   ? "esign"
                                   : type == "0.4.0.1862.1.6.2" ? "eseal"
                                   : type == "0.4.0.1862.1.6.3" ? "web"
                                                                : type);
            }
        }
        if (oid == "0.4.0.1862.1.5" && info && info->type == V_ASN1_SEQUENCE) {
            auto locations = sequenceOf(ASN1_STRING_get0_data(info->value.sequence),
                                        ASN1_STRING_length(info->value.sequence));
            for (int k = 0; locations && k < sk_ASN1_TYPE_num(locations.get()); ++k) {
                const ASN1_TYPE* l = sk_ASN1_TYPE_value(locations.get(), k);
                if (l->type != V_ASN1_SEQUENCE) continue;
                auto fields = sequenceOf(ASN1_STRING_get0_data(l->value.sequence),
                                         ASN1_STRING_length(l->value.sequence));
                if (fields && sk_ASN1_TYPE_num(fields.get()) >= 1 &&
                    sk_ASN1_TYPE_value(fields.get(), 0)->type == V_ASN1_IA5STRING)
                    qc.pdsUrls.push_back(utf8(sk_ASN1_TYPE_value(fields.get(), 0)->value.ia5string));
            }
        }
    }
    return qc;
}

X509Ptr decode(const Bytes& der) {
    const unsigned char* p = der.data();
    return X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

}  // namespace

struct ChainCandidates::Entry {
    X509Ptr cert;
    Bytes der;
};

ChainCandidates::ChainCandidates(const std::vector<Bytes>& ders) {
    for (const auto& der : ders) {
        const unsigned char* p = der.data();
        X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
        if (x) entries_.push_back({std::move(x), der});
    }
    ERR_clear_error();
}
ChainCandidates::~ChainCandidates() = default;
ChainCandidates::ChainCandidates(ChainCandidates&&) noexcept = default;
ChainCandidates& ChainCandidates::operator=(ChainCandidates&&) noexcept = default;

namespace {

void buildChain(X509* leaf, const ChainCandidates& candidates, bool useSystemStore,
                CertificateDetails& d) {
    StorePtr store(X509_STORE_new());
    // The system's anchors through the hashed folder only (looked up by subject when needed):
    // X509_STORE_set_default_paths would also parse the whole CA bundle file, about 0.1 s per
    // call, and `certs --json` builds a chain for every certificate.
    if (useSystemStore) {
        const char* dir = std::getenv(X509_get_default_cert_dir_env());
        X509_STORE_load_path(store.get(), dir && *dir ? dir : X509_get_default_cert_dir());
    }
    STACK_OF(X509)* untrusted = sk_X509_new_null();  // borrows the candidates' certificates
    for (const auto& c : candidates.entries()) sk_X509_push(untrusted, c.cert.get());
    auto known = [&](const Bytes& der) {
        for (const auto& c : candidates.entries())
            if (c.der == der) return true;
        return false;
    };
    StoreCtxPtr ctx(X509_STORE_CTX_new());
    X509_STORE_CTX_init(ctx.get(), store.get(), leaf, untrusted);
    // The chain of an expired certificate is still worth showing.
    X509_STORE_CTX_set_flags(ctx.get(), X509_V_FLAG_NO_CHECK_TIME);
    const bool ok = X509_verify_cert(ctx.get()) == 1;
    d.chainTrusted = ok;
    if (!ok) d.chainProblem = chainErrorText(X509_STORE_CTX_get_error(ctx.get()));
    STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(ctx.get());
    const int n = chain ? sk_X509_num(chain) : 0;
    for (int i = 0; i < n; ++i) {
        X509* x = sk_X509_value(chain, i);
        ChainLink link;
        link.subject = nameText(X509_get_subject_name(x));
        link.issuer = nameText(X509_get_issuer_name(x));
        link.sha256 = fingerprint(x, EVP_sha256());
        link.der = derOf(x);
        link.selfSigned = X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) == 0;
        link.source = i == 0 ? "certificate" : known(link.der) ? "token" : "system";
        d.chain.push_back(std::move(link));
    }
    if (d.chain.empty()) {  // OpenSSL gave nothing back: at least the certificate itself
        ChainLink link;
        link.subject = d.info.subject;
        link.issuer = d.info.issuer;
        link.sha256 = d.sha256;
        link.der = d.info.der;
        link.source = "certificate";
        d.chain.push_back(std::move(link));
    }
    sk_X509_free(untrusted);
    ERR_clear_error();
}

json namedOids(const std::vector<NamedOid>& list) {
    json out = json::array();
    for (const auto& o : list) out.push_back({{"oid", o.oid}, {"name", o.name}});
    return out;
}

json fieldsJson(const std::vector<NameField>& fields) {
    json out = json::array();
    for (const auto& f : fields)
        out.push_back({{"type", f.type}, {"label", f.label}, {"value", f.value}});
    return out;
}

}  // namespace

CertificateDetails certificateDetails(const Bytes& der, const std::vector<Bytes>& candidates,
                                      bool useSystemStore) {
    return certificateDetails(der, ChainCandidates(candidates), useSystemStore);
}

CertificateDetails certificateDetails(const Bytes& der, const ChainCandidates& candidates,
                                      bool useSystemStore) {
    return certificateDetails(parseCertificate(der), candidates, useSystemStore);  // strict DER
}

CertificateDetails certificateDetails(const CertificateInfo& info,
                                      const ChainCandidates& candidates, bool useSystemStore) {
    CertificateDetails d;
    d.info = info;
    X509Ptr x = decode(info.der);
    if (!x) throw Error(ErrorKind::InvalidInput, "The object is not a valid X.509 certificate");
    d.version = static_cast<int>(X509_get_version(x.get())) + 1;
    d.subjectFields = nameFields(X509_get_subject_name(x.get()));
    d.issuerFields = nameFields(X509_get_issuer_name(x.get()));
    const int sigNid = X509_get_signature_nid(x.get());
    d.signatureAlgorithm = sigNid != NID_undef ? OBJ_nid2ln(sigNid) : std::string("unknown");
    if (EVP_PKEY* key = X509_get0_pubkey(x.get()); key && d.info.keyAlgorithm == "EC") {
        char group[80] = {};
        size_t len = 0;
        if (EVP_PKEY_get_group_name(key, group, sizeof group, &len) == 1) d.curve = group;
    }
    d.extendedKeyUsage = extendedKeyUsage(x.get());
    for (const auto& oid : d.info.policies) d.policies.push_back({oid, policyName(oid)});
    d.qc = qcStatements(x.get());
    d.sha256 = fingerprint(x.get(), EVP_sha256());
    d.sha1 = fingerprint(x.get(), EVP_sha1());
    buildChain(x.get(), candidates, useSystemStore, d);
    ERR_clear_error();
    return d;
}

json detailsJson(const CertificateDetails& d) {
    json chain = json::array();
    for (const auto& l : d.chain)
        chain.push_back({{"subject", l.subject},
                         {"issuer", l.issuer},
                         {"sha256", l.sha256},
                         {"source", l.source},
                         {"self_signed", l.selfSigned}});
    json key = {{"type", d.info.keyAlgorithm}, {"bits", d.info.keyBits}};
    key["curve"] = d.curve.empty() ? json(nullptr) : json(d.curve);
    return {
        {"version", d.version},
        {"subject_fields", fieldsJson(d.subjectFields)},
        {"issuer_fields", fieldsJson(d.issuerFields)},
        {"signature_algorithm", d.signatureAlgorithm},
        {"key", key},
        {"key_usage", d.info.keyUsage},
        {"extended_key_usage", namedOids(d.extendedKeyUsage)},
        {"policies", namedOids(d.policies)},
        {"qc_statements",
         {{"qc_compliance", d.qc.compliance},
          {"qc_sscd", d.qc.sscd},
          {"qc_type", d.qc.types},
          {"retention_years", d.qc.retentionYears ? json(*d.qc.retentionYears) : json(nullptr)},
          {"pds", d.qc.pdsUrls},
          {"ids", d.qc.ids}}},
        {"fingerprints", {{"sha256", d.sha256}, {"sha1", d.sha1}}},
        {"chain", chain},
        {"chain_trusted", d.chainTrusted},
        {"chain_problem", d.chainProblem},
    };
}

std::optional<ExportFormat> parseExportFormat(std::string_view name) {
    if (name == "der") return ExportFormat::Der;
    if (name == "pem") return ExportFormat::Pem;
    return std::nullopt;
}

Bytes exportCertificate(const Bytes& der, ExportFormat format) {
    if (format == ExportFormat::Der) return der;
    X509Ptr x = decode(der);
    if (!x) throw Error(ErrorKind::InvalidInput, "The object is not a valid X.509 certificate");
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (PEM_write_bio_X509(bio.get(), x.get()) != 1)
        throw Error(ErrorKind::Internal, "PEM_write_bio_X509 failed");
    char* data = nullptr;
    long len = BIO_get_mem_data(bio.get(), &data);
    return Bytes(data, data + len);
}

}  // namespace certagent::token
