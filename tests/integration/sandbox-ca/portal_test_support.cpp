#include "portal_test_support.hpp"

#include <certagent/core/pdf/sign.hpp>
#include <certagent/core/pdf/signer.hpp>
#include <certagent/core/pdf/simple_pdf.hpp>

#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <atomic>
#include <random>

namespace certagent::testing {

namespace {
std::unique_ptr<X509, void (*)(X509*)> loadCert(const std::filesystem::path& file) {
    auto text = readFile(file);
    BIO* bio = BIO_new_mem_buf(text.data(), static_cast<int>(text.size()));
    X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (!cert) throw std::runtime_error("cannot read certificate " + file.string());
    return {cert, X509_free};
}
}  // namespace

TestKey generateTestKey(const std::string& spec) {
    EVP_PKEY* k = nullptr;
    if (spec == "ec256")
        k = EVP_EC_gen("P-256");
    else if (spec == "ec384")
        k = EVP_EC_gen("P-384");
    else if (spec == "rsa1024")
        k = EVP_RSA_gen(1024);
    else if (spec == "rsa2048")
        k = EVP_RSA_gen(2048);
    if (!k) throw std::runtime_error("key generation failed: " + spec);
    return {k, EVP_PKEY_free};
}

TestKey loadTestKey(const std::filesystem::path& pem) {
    auto text = readFile(pem);
    BIO* bio = BIO_new_mem_buf(text.data(), static_cast<int>(text.size()));
    EVP_PKEY* k = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (!k) throw std::runtime_error("cannot read key " + pem.string());
    return {k, EVP_PKEY_free};
}

std::string testKeyPem(EVP_PKEY* key) {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<size_t>(n));
    BIO_free(bio);
    return out;
}

static std::string csrFor(EVP_PKEY* key, X509_NAME* name) {
    X509_REQ* req = X509_REQ_new();
    X509_REQ_set_version(req, 0);
    X509_REQ_set_subject_name(req, name);
    X509_REQ_set_pubkey(req, key);
    X509_REQ_sign(req, key, EVP_sha256());
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509_REQ(bio, req);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<size_t>(n));
    BIO_free(bio);
    X509_REQ_free(req);
    return out;
}

std::string makeCsr(EVP_PKEY* key, const std::filesystem::path& subject_of_cert) {
    auto cert = loadCert(subject_of_cert);
    return csrFor(key, X509_get_subject_name(cert.get()));
}

std::string makeCsrWithSubject(EVP_PKEY* key, const std::string& slash_subject) {
    X509_NAME* name = X509_NAME_new();
    size_t pos = 1;
    while (pos < slash_subject.size()) {
        auto end = slash_subject.find('/', pos);
        if (end == std::string::npos) end = slash_subject.size();
        auto part = slash_subject.substr(pos, end - pos);
        auto eq = part.find('=');
        X509_NAME_add_entry_by_txt(name, part.substr(0, eq).c_str(), MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(part.c_str() + eq + 1),
                                   -1, -1, 0);
        pos = end + 1;
    }
    auto out = csrFor(key, name);
    X509_NAME_free(name);
    return out;
}

void PortalTest::startCa(SandboxCaOptions options) {
    ca = std::make_unique<SandboxCa>(tmp / "ca", options);
    ca->start();
}

std::string PortalTest::newKey() {
    static std::atomic<int> n{0};
    static const auto salt = std::random_device{}();
    return "test-" + std::to_string(salt) + "-" + std::to_string(++n);
}

HttpsTestClient PortalTest::clientFor(const SandboxHolder& h) const {
    HttpsTestClient c(ca->trustBundle());
    c.withClientCert(h.cert, h.key);
    return c;
}

HttpsTestClient PortalTest::anonymous() const { return HttpsTestClient(ca->trustBundle()); }

SandboxHolder PortalTest::activeHolder(HolderSpec spec) {
    auto h = ca->issueHolder(spec);
    auto c = clientFor(h);
    auto r = c.postJson(api("account"), nlohmann::json::object(), newKey());
    EXPECT_EQ(r.status, 202) << r.body << r.error;
    auto page = ca->confirmAccount(anonymous());
    EXPECT_EQ(page.status, 200) << page.body;
    return h;
}

std::string PortalTest::identityPdf() const {
    pdf::SimplePdf doc;
    doc.title = "Carte de identitate";
    doc.lines = {"Seria RX nr. 123456", "Nume: POPESCU", "Prenume: ION"};
    auto file = tmp / ("id-" + newKey() + ".pdf");
    pdf::makeSimplePdf(file, doc);
    return readFile(file);
}

std::string PortalTest::signPdfAs(const std::string& pdf_bytes, const SandboxHolder& signer) const {
    auto in = tmp / ("unsigned-" + newKey() + ".pdf");
    auto out = tmp / ("signed-" + newKey() + ".pdf");
    writeFile(in, pdf_bytes);
    auto key = loadTestKey(signer.key);
    auto cert = loadCert(signer.cert);
    pdf::KeySigner s(key.get(), cert.get());
    pdf::signPdf(in, out, s);
    return readFile(out);
}

nlohmann::json PortalTest::createRenewal(const HttpsTestClient& c, const SandboxHolder& h,
                                         const std::string& product) {
    auto r = c.postJson(api("renewals"),
                        {{"certificate_serial", h.serial}, {"product_id", product}}, newKey());
    EXPECT_EQ(r.status, 201) << r.body << r.error;
    return r.json();
}

nlohmann::json PortalTest::uploadIdentity(const HttpsTestClient& c, const std::string& id) {
    auto r = c.putPdf(api("renewals/" + id + "/identity-document"), identityPdf(), newKey());
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json();
}

std::string PortalTest::declaration(const HttpsTestClient& c, const std::string& id) {
    auto r = c.get(api("renewals/" + id + "/declaration"));
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("content-type"), "application/pdf");
    return r.body;
}

nlohmann::json PortalTest::uploadSignedDeclaration(const HttpsTestClient& c, const SandboxHolder& h,
                                                   const std::string& id) {
    auto signed_pdf = signPdfAs(declaration(c, id), h);
    auto r = c.putPdf(api("renewals/" + id + "/signed-declaration"), signed_pdf, newKey());
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json();
}

nlohmann::json PortalTest::submit(const HttpsTestClient& c, const std::string& id) {
    auto r = c.postJson(api("renewals/" + id + "/submit"), nlohmann::json::object(), newKey());
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json();
}

nlohmann::json PortalTest::renewal(const HttpsTestClient& c, const std::string& id) {
    auto r = c.get(api("renewals/" + id));
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json();
}

std::string PortalTest::createAndSubmit(const HttpsTestClient& c, const SandboxHolder& h) {
    auto id = createRenewal(c, h).at("id").get<std::string>();
    uploadIdentity(c, id);
    uploadSignedDeclaration(c, h, id);
    submit(c, id);
    return id;
}

}  // namespace certagent::testing
