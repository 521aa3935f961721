#include "pdf_test_pki.hpp"

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <regex>
#include <stdexcept>

namespace certagent::pdf::testing {

namespace fs = std::filesystem;
using certagent::testing::readFile;
using certagent::testing::runProcess;
using certagent::testing::writeFile;

ProcessResult mustRun(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
    auto r = runProcess(argv, env);
    if (r.exit_code != 0) {
        std::string cmd;
        for (const auto& a : argv) cmd += a + " ";
        throw std::runtime_error(cmd + "failed: " + r.err + r.out);
    }
    return r;
}

EvpPkeyPtr loadKey(const fs::path& pem) {
    BioPtr bio(BIO_new_file(pem.c_str(), "r"));
    EvpPkeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!key) throw std::runtime_error("cannot load key " + pem.string());
    return key;
}

X509Ptr loadCert(const fs::path& pem) {
    BioPtr bio(BIO_new_file(pem.c_str(), "r"));
    X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!cert) throw std::runtime_error("cannot load certificate " + pem.string());
    return cert;
}

TestPki::TestPki(const fs::path& dir) : dir_(dir) {
    const auto d = dir_.string();
    mustRun({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", d + "/root.key",
             "-out", d + "/root.pem", "-days", "3650", "-subj",
             "/CN=certagent Test Root CA/O=certagent tests/C=RO", "-addext",
             "basicConstraints=critical,CA:TRUE", "-addext",
             "keyUsage=critical,keyCertSign,cRLSign"});
    // TSA: openssl ts insists on a critical timeStamping extended key usage.
    mustRun({"openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", d + "/tsa.key",
             "-out", d + "/tsa.csr", "-subj", "/CN=certagent Test TSA/C=RO"});
    writeFile(dir_ / "tsa.ext",
              "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
              "extendedKeyUsage=critical,timeStamping\n");
    mustRun({"openssl", "x509", "-req", "-in", d + "/tsa.csr", "-CA", d + "/root.pem", "-CAkey",
             d + "/root.key", "-set_serial", "0x7541", "-days", "365", "-extfile", d + "/tsa.ext",
             "-out", d + "/tsa.pem"});
    writeFile(dir_ / "tsaserial", "01\n");
    writeFile(dir_ / "ts.cnf",
              "[ tsa ]\ndefault_tsa = tsa1\n[ tsa1 ]\nserial = " + d +
                  "/tsaserial\nsigner_digest = sha256\ndefault_policy = 1.2.3.4.1\n"
                  "digests = sha256\naccuracy = secs:1\ness_cert_id_alg = sha256\n"
                  "ess_cert_id_chain = no\n");
    // pdfsig validates certificates with NSS: a private database that trusts only our root.
    fs::create_directories(nssDir());
    mustRun({"certutil", "-N", "-d", "sql:" + nssDir().string(), "--empty-password"});
    mustRun({"certutil", "-A", "-d", "sql:" + nssDir().string(), "-n", "certagent-test-root", "-t",
             "CT,C,C", "-i", d + "/root.pem"});
}

fs::path TestPki::issueSigner(const std::string& name, const std::string& key_spec) {
    const auto base = dir_ / name;
    std::vector<std::string> keygen{"openssl", "req",
                                    "-new",    "-nodes",
                                    "-keyout", base.string() + ".key",
                                    "-out",    base.string() + ".csr",
                                    "-subj",   "/CN=Ion Popescu " + name + "/C=RO"};
    if (key_spec.rfind("ec:", 0) == 0) {
        keygen.insert(keygen.begin() + 3,
                      {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:" + key_spec.substr(3)});
    } else {
        keygen.insert(keygen.begin() + 3, {"-newkey", key_spec});
    }
    mustRun(keygen);
    writeFile(dir_ / (name + ".ext"),
              "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n"
              "1.3.6.1.5.5.7.1.3=DER:300A3008060604008E460101\n");
    mustRun({"openssl", "x509", "-req", "-in", base.string() + ".csr", "-CA", rootPem().string(),
             "-CAkey", (dir_ / "root.key").string(), "-set_serial",
             std::to_string(1000 + ++counter_), "-days", "365", "-extfile",
             (dir_ / (name + ".ext")).string(), "-out", base.string() + ".pem"});
    return base;
}

X509Ptr TestPki::issueForPublicKey(EVP_PKEY* pub, const std::string& common_name) {
    auto ca_key = loadKey(dir_ / "root.key");
    auto ca = loadCert(rootPem());
    X509Ptr cert(X509_new());
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 5000 + ++counter_);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 365L * 24 * 3600);
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                               0);
    X509_set_issuer_name(cert.get(), X509_get_subject_name(ca.get()));
    X509_set_pubkey(cert.get(), pub);
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, ca.get(), cert.get(), nullptr, nullptr, 0);
    for (auto [nid, value] :
         {std::pair{NID_basic_constraints, "CA:FALSE"},
          std::pair{NID_key_usage, "critical,digitalSignature,nonRepudiation"}}) {
        X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
        X509_add_ext(cert.get(), ext, -1);
        X509_EXTENSION_free(ext);
    }
    if (!X509_sign(cert.get(), ca_key.get(), EVP_sha256()))
        throw std::runtime_error("cannot sign the token certificate");
    return cert;
}

std::vector<uint8_t> TestPki::timestamp(std::span<const uint8_t> data) {
    const auto d = dir_.string();
    writeFile(dir_ / "ts-data.bin", std::string(data.begin(), data.end()));
    mustRun({"openssl", "ts", "-query", "-data", d + "/ts-data.bin", "-sha256", "-cert",
             "-no_nonce", "-out", d + "/ts.tsq"});
    mustRun({"openssl", "ts", "-reply", "-config", d + "/ts.cnf", "-queryfile", d + "/ts.tsq",
             "-signer", d + "/tsa.pem", "-inkey", d + "/tsa.key", "-token_out", "-out",
             d + "/ts.tok"});
    auto tok = readFile(dir_ / "ts.tok");
    return {tok.begin(), tok.end()};
}

std::string TestPki::pdfsig(const fs::path& pdf) {
    // Not -no-ocsp: poppler 22.12 then reports "Unknown issue with Certificate" for every
    // chain. Our certificates carry no OCSP URL, so nothing goes to the network anyway.
    auto r = runProcess({"pdfsig", "-nssdir", "sql:" + nssDir().string(), pdf.string()});
    return r.out + r.err;
}

bool TestPki::opensslVerifies(const fs::path& pdf, int index) {
    const std::string data = readFile(pdf);
    std::regex br(R"(/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\])");
    auto it = std::sregex_iterator(data.begin(), data.end(), br);
    std::advance(it, index);
    if (it == std::sregex_iterator()) return false;
    const size_t b = std::stoul((*it)[2]), c = std::stoul((*it)[3]), len = std::stoul((*it)[4]);
    writeFile(dir_ / "content.bin", data.substr(0, b) + data.substr(c, len));
    std::string der;
    const std::string hex = data.substr(b + 1, c - b - 2);
    for (size_t i = 0; i + 1 < hex.size(); i += 2)
        der.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    // The reserved space is zero-padded; openssl wants the DER alone.
    const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
    CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
    if (!cms) return false;
    der.resize(static_cast<size_t>(p - reinterpret_cast<const unsigned char*>(der.data())));
    writeFile(dir_ / "sig.der", der);
    auto r = runProcess({"openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in",
                         (dir_ / "sig.der").string(), "-content", (dir_ / "content.bin").string(),
                         "-CAfile", rootPem().string(), "-purpose", "any", "-out", "/dev/null"});
    return r.exit_code == 0;
}

}  // namespace certagent::pdf::testing
