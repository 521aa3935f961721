// Certificate details from certificates made here with OpenSSL: names, key, usages, policies,
// every qualified statement (ETSI EN 319 412-5), fingerprints, chain, export.
#include "certagent/core/error.hpp"
#include "certagent/core/token/certificate_details.hpp"
#include "certagent/core/token/openssl_handles.hpp"

#include <gtest/gtest.h>
#include <openssl/conf.h>
#include <openssl/pem.h>

using namespace certagent;
using namespace certagent::token;

namespace {

// qcStatements: QcCompliance, QcSSCD, QcType esign, QcPDS https://x.ro/pds (en), retention 10.
constexpr const char* kQcStatements =
    "DER:30:5a:30:08:06:06:04:00:8e:46:01:01:30:08:06:06:04:00:8e:46:01:04:"
    "30:13:06:06:04:00:8e:46:01:06:30:09:06:07:04:00:8e:46:01:06:01:"
    "30:22:06:06:04:00:8e:46:01:05:30:18:30:16:16:10:68:74:74:70:73:3a:2f:2f:78:2e:72:6f:2f:"
    "70:64:73:13:02:65:6e:"
    "30:0b:06:06:04:00:8e:46:01:03:02:01:0a";

struct Made {
    Bytes der;
    EvpPkeyPtr key;
};

Bytes derOf(X509* x) {
    int len = i2d_X509(x, nullptr);
    Bytes out(static_cast<std::size_t>(len));
    unsigned char* p = out.data();
    i2d_X509(x, &p);
    return out;
}

// subject CN; signed by `issuerKey` with issuer name `issuerCn` (itself when null).
Made make(const std::string& cn, const std::string& issuerCn, EVP_PKEY* issuerKey,
          const std::vector<std::pair<std::string, std::string>>& exts) {
    Made m;
    m.key.reset(EVP_EC_gen("P-256"));
    X509Ptr x(X509_new());
    X509_set_version(x.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 4242);
    X509_gmtime_adj(X509_getm_notBefore(x.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x.get()), 86400L * 365);
    auto name = [](const std::string& n) {
        X509_NAME* nm = X509_NAME_new();
        X509_NAME_add_entry_by_txt(nm, "C", MBSTRING_UTF8, (const unsigned char*)"RO", -1, -1, 0);
        X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_UTF8, (const unsigned char*)n.c_str(), -1,
                                   -1, 0);
        return nm;
    };
    X509_NAME* s = name(cn);
    X509_NAME* i = name(issuerCn);
    X509_set_subject_name(x.get(), s);
    X509_set_issuer_name(x.get(), i);
    X509_NAME_free(s);
    X509_NAME_free(i);
    X509_set_pubkey(x.get(), m.key.get());
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, x.get(), x.get(), nullptr, nullptr, 0);
    std::unique_ptr<CONF, OsslDeleter<NCONF_free>> conf(NCONF_new(nullptr));
    X509V3_set_nconf(&ctx, conf.get());
    for (const auto& [k, v] : exts) {
        X509_EXTENSION* e = X509V3_EXT_nconf(conf.get(), &ctx, k.c_str(), v.c_str());
        EXPECT_NE(e, nullptr) << k;
        if (!e) continue;
        X509_add_ext(x.get(), e, -1);
        X509_EXTENSION_free(e);
    }
    X509_sign(x.get(), issuerKey ? issuerKey : m.key.get(), EVP_sha256());
    m.der = derOf(x.get());
    return m;
}

}  // namespace

TEST(CertificateDetails, ReadsEveryFieldPeopleAskAbout) {
    auto ca = make("Test Root", "Test Root", nullptr,
                   {{"basicConstraints", "critical,CA:TRUE"}, {"keyUsage", "keyCertSign"}});
    auto leaf = make("Ion Popescu", "Test Root", ca.key.get(),
                     {{"keyUsage", "critical,digitalSignature,nonRepudiation"},
                      {"extendedKeyUsage", "clientAuth,emailProtection"},
                      {"certificatePolicies", "0.4.0.194112.1.2,1.2.3.4"},
                      {"1.3.6.1.5.5.7.1.3", kQcStatements}});
    auto d = certificateDetails(leaf.der, {ca.der}, false);
    EXPECT_EQ(d.version, 3);
    ASSERT_EQ(d.subjectFields.size(), 2u);
    EXPECT_EQ(d.subjectFields[1].type, "CN");
    EXPECT_EQ(d.subjectFields[1].label, "commonName");
    EXPECT_EQ(d.subjectFields[1].value, "Ion Popescu");
    EXPECT_EQ(d.info.serialHex, "1092");
    EXPECT_EQ(d.info.keyAlgorithm, "EC");
    EXPECT_EQ(d.curve, "prime256v1");
    EXPECT_EQ(d.signatureAlgorithm, "ecdsa-with-SHA256");
    EXPECT_EQ(d.info.keyUsage, (std::vector<std::string>{"digitalSignature", "nonRepudiation"}));
    ASSERT_EQ(d.extendedKeyUsage.size(), 2u);
    EXPECT_EQ(d.extendedKeyUsage[0].oid, "1.3.6.1.5.5.7.3.2");
    EXPECT_EQ(d.extendedKeyUsage[0].name, "TLS Web Client Authentication");
    ASSERT_EQ(d.policies.size(), 2u);
    EXPECT_EQ(d.policies[0].name, "QCP-n-qscd");
    EXPECT_EQ(d.policies[1].name, "");
    EXPECT_TRUE(d.qc.compliance);
    EXPECT_TRUE(d.qc.sscd);
    EXPECT_EQ(d.qc.types, (std::vector<std::string>{"esign"}));
    EXPECT_EQ(d.qc.pdsUrls, (std::vector<std::string>{"https://x.ro/pds"}));
    EXPECT_EQ(d.qc.retentionYears, 10);
    EXPECT_EQ(d.sha256.size(), 32u * 3 - 1);
    EXPECT_EQ(d.sha1.size(), 20u * 3 - 1);
    // The chain: the certificate, then the root found among the candidates; the root is not a
    // trust anchor here (no system store), so the chain is complete but not trusted.
    ASSERT_EQ(d.chain.size(), 2u);
    EXPECT_EQ(d.chain[0].source, "certificate");
    EXPECT_EQ(d.chain[1].source, "token");
    EXPECT_TRUE(d.chain[1].selfSigned);
    EXPECT_FALSE(d.chainTrusted);
    EXPECT_FALSE(d.chainProblem.empty());

    auto j = detailsJson(d);
    EXPECT_EQ(j["qc_statements"]["qc_type"][0], "esign");
    EXPECT_EQ(j["key"]["curve"], "prime256v1");
    EXPECT_EQ(j["chain"].size(), 2u);
}

TEST(CertificateDetails, WithoutItsIssuerTheChainStopsAndSaysWhy) {
    auto ca = make("Somebody", "Somebody", nullptr, {{"basicConstraints", "critical,CA:TRUE"}});
    auto leaf = make("Ana", "Somebody", ca.key.get(), {});
    auto d = certificateDetails(leaf.der, std::vector<Bytes>{}, false);
    ASSERT_EQ(d.chain.size(), 1u);
    EXPECT_FALSE(d.chainTrusted);
    EXPECT_NE(d.chainProblem.find("issuer"), std::string::npos) << d.chainProblem;
    EXPECT_TRUE(d.qc.types.empty());
    EXPECT_FALSE(d.qc.compliance);
}

TEST(CertificateDetails, ExportIsTheSameCertificateAsDerOrPem) {
    auto c = make("Export", "Export", nullptr, {});
    EXPECT_EQ(exportCertificate(c.der, ExportFormat::Der), c.der);
    auto pem = exportCertificate(c.der, ExportFormat::Pem);
    std::string text(pem.begin(), pem.end());
    EXPECT_EQ(text.rfind("-----BEGIN CERTIFICATE-----\n", 0), 0u);
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    X509Ptr back(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    ASSERT_TRUE(back);
    EXPECT_EQ(derOf(back.get()), c.der);
    EXPECT_EQ(parseExportFormat("der"), ExportFormat::Der);
    EXPECT_FALSE(parseExportFormat("p12"));
}

TEST(CertificateDetails, NotACertificateIsInvalidInput) {
    try {
        certificateDetails({0x30, 0x03, 0x02, 0x01, 0x01});
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::InvalidInput);
    }
}
