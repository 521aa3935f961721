#include "revocation_lab.hpp"

#include <httplib.h>
#include <netinet/in.h>
#include <openssl/pem.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <thread>

namespace certagent::testing {
namespace fs = std::filesystem;

ProcessResult mustRun(const std::vector<std::string>& argv) {
    auto r = runProcess(argv);
    if (r.exit_code != 0) {
        std::string cmd;
        for (const auto& a : argv) cmd += a + " ";
        throw std::runtime_error(cmd + "failed: " + r.err + r.out);
    }
    return r;
}

int freePort() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
}

struct RevocationLab::Http {
    httplib::Server server;
    std::thread thread;
    int port = 0;
    explicit Http(const fs::path& dir) {
        server.Get("/root.crl", [dir](const httplib::Request&, httplib::Response& res) {
            res.set_content(readFile(dir / "root.crl"), "application/pkix-crl");
        });
        port = server.bind_to_any_port("127.0.0.1");
        thread = std::thread([this] { server.listen_after_bind(); });
    }
    ~Http() {
        server.stop();
        if (thread.joinable()) thread.join();
    }
};

RevocationLab::RevocationLab() {
    http_ = std::make_unique<Http>(dir());
    ocsp_port_ = freePort();
    rogue_port_ = freePort();
    dead_port_ = freePort();
    const auto d = dir().string();
    fs::create_directories(dir() / "newcerts");
    writeFile(dir() / "index.txt", "");
    writeFile(dir() / "serial", "1000\n");
    writeFile(dir() / "crlnumber", "01\n");
    const std::string ocsp = "authorityInfoAccess = OCSP;URI:" + ocspUrl() + "\n";
    const std::string dead =
        "authorityInfoAccess = OCSP;URI:http://127.0.0.1:" + std::to_string(dead_port_) + "/\n";
    const std::string cdp = "crlDistributionPoints = URI:" + crlUrl() + "\n";
    const std::string leaf =
        "basicConstraints = CA:FALSE\n"
        "keyUsage = critical,digitalSignature,nonRepudiation\n"
        "1.3.6.1.5.5.7.1.3 = DER:300A3008060604008E460101\n";
    writeFile(dir() / "ca.cnf",
              "[ ca ]\ndefault_ca = lab\n[ lab ]\ndir = " + d +
                  "\ndatabase = $dir/index.txt\nnew_certs_dir = $dir/newcerts\n"
                  "certificate = $dir/root.pem\nprivate_key = $dir/root.key\nserial = "
                  "$dir/serial\ncrlnumber = $dir/crlnumber\ndefault_md = sha256\n"
                  "default_days = 365\ndefault_crl_days = 1\npolicy = any\nunique_subject = no\n"
                  "email_in_dn = no\n[ any ]\ncommonName = supplied\ncountryName = optional\n"
                  "[ ocsp_crl ]\n" +
                  leaf + ocsp + cdp + "[ crl_only ]\n" + leaf + dead + cdp + "[ dead_ocsp ]\n" +
                  leaf + dead + "[ nothing ]\n" + leaf +
                  "[ tsa ]\nbasicConstraints = CA:FALSE\nkeyUsage = critical,digitalSignature\n"
                  "extendedKeyUsage = critical,timeStamping\n" +
                  ocsp + cdp +
                  "[ responder ]\nbasicConstraints = CA:FALSE\n"
                  "keyUsage = critical,digitalSignature\nextendedKeyUsage = OCSPSigning\n"
                  "noCheck = ignored\n");
    mustRun({"openssl",
             "req",
             "-x509",
             "-newkey",
             "ec",
             "-pkeyopt",
             "ec_paramgen_curve:P-256",
             "-nodes",
             "-keyout",
             d + "/root.key",
             "-out",
             d + "/root.pem",
             "-days",
             "3650",
             "-subj",
             "/CN=certagent Revocation Test CA/C=RO",
             "-addext",
             "basicConstraints=critical,CA:TRUE",
             "-addext",
             "keyUsage=critical,keyCertSign,cRLSign"});
    // The TSA, and a stranger whose responder certificate the CA never issued.
    mustRun({"openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-nodes", "-keyout", d + "/tsa.key", "-out", d + "/tsa.csr", "-subj",
             "/CN=certagent Revocation Test TSA/C=RO"});
    mustRun({"openssl", "ca", "-batch", "-config", d + "/ca.cnf", "-extensions", "tsa", "-in",
             d + "/tsa.csr", "-out", d + "/tsa.pem", "-notext"});
    // The responder answers with a certificate the CA issued for OCSPSigning (RFC 6960
    // 4.2.2.2, delegated), as most CAs run theirs.
    mustRun({"openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-nodes", "-keyout", d + "/responder.key", "-out", d + "/responder.csr", "-subj",
             "/CN=certagent Revocation Test OCSP/C=RO"});
    mustRun({"openssl", "ca", "-batch", "-config", d + "/ca.cnf", "-extensions", "responder", "-in",
             d + "/responder.csr", "-out", d + "/responder.pem", "-notext"});
    mustRun({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-nodes", "-keyout", d + "/rogue.key", "-out", d + "/rogue.pem", "-days", "30",
             "-subj", "/CN=Rogue OCSP responder/C=RO"});
    writeFile(dir() / "tsaserial", "01\n");
    writeFile(dir() / "ts.cnf",
              "[ tsa ]\ndefault_tsa = tsa1\n[ tsa1 ]\nserial = " + d +
                  "/tsaserial\nsigner_digest = sha256\ndefault_policy = 1.2.3.4.1\n"
                  "digests = sha256\naccuracy = secs:1\ness_cert_id_alg = sha256\n"
                  "ess_cert_id_chain = no\n");
    makeCrl();
    fs::create_directories(nssDir());
    mustRun({"certutil", "-N", "-d", "sql:" + nssDir().string(), "--empty-password"});
    mustRun({"certutil", "-A", "-d", "sql:" + nssDir().string(), "-n", "revocation-test-root", "-t",
             "CT,C,C", "-i", rootPem().string()});
    startResponders();
}

RevocationLab::~RevocationLab() = default;

std::string RevocationLab::ocspUrl() const {
    return "http://127.0.0.1:" + std::to_string(ocsp_port_) + "/";
}
std::string RevocationLab::rogueOcspUrl() const {
    return "http://127.0.0.1:" + std::to_string(rogue_port_) + "/";
}
std::string RevocationLab::crlUrl() const {
    return "http://127.0.0.1:" + std::to_string(http_->port) + "/root.crl";
}

void RevocationLab::startResponders() {
    const auto d = dir().string();
    auto responder = [&](int port, const std::string& signer, const std::string& log) {
        fs::remove(dir() / log);
        auto p = std::make_unique<BackgroundProcess>(
            std::vector<std::string>{"openssl", "ocsp", "-index", d + "/index.txt", "-port",
                                     std::to_string(port), "-rsigner", d + "/" + signer + ".pem",
                                     "-rkey", d + "/" + signer + ".key", "-CA", d + "/root.pem",
                                     "-ndays", "1"},
            std::vector<std::string>{}, dir() / log);
        // Ready once it says so. (Not by connecting: the responder serves one connection at a
        // time, and an empty one blocks it.)
        waitUntil(
            [&] {
                return readFile(dir() / log).find("waiting for OCSP client connections") !=
                       std::string::npos;
            },
            std::chrono::seconds(10));
        return p;
    };
    ocsp_.reset();
    rogue_.reset();
    ocsp_ = responder(ocsp_port_, "responder", "ocsp.log");
    rogue_ = responder(rogue_port_, "rogue", "rogue.log");
}

fs::path RevocationLab::issue(const std::string& name, Publishes publishes, std::time_t end,
                              std::time_t start) {
    const auto d = dir().string();
    const auto base = dir() / name;
    mustRun({"openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-nodes", "-keyout", base.string() + ".key", "-out", base.string() + ".csr", "-subj",
             "/CN=Ion Popescu " + name + "/C=RO"});
    const char* section = publishes == Publishes::OcspAndCrl     ? "ocsp_crl"
                          : publishes == Publishes::CrlOnly      ? "crl_only"
                          : publishes == Publishes::DeadOcspOnly ? "dead_ocsp"
                                                                 : "nothing";
    std::vector<std::string> argv{"openssl",
                                  "ca",
                                  "-batch",
                                  "-config",
                                  d + "/ca.cnf",
                                  "-extensions",
                                  section,
                                  "-in",
                                  base.string() + ".csr",
                                  "-out",
                                  base.string() + ".pem",
                                  "-notext"};
    auto dated = [&](const char* option, std::time_t t) {
        if (!t) return;
        std::tm tm{};
        gmtime_r(&t, &tm);
        char buf[32];
        std::strftime(buf, sizeof buf, "%Y%m%d%H%M%SZ", &tm);
        argv.insert(argv.end(), {option, buf});
    };
    dated("-enddate", end);
    dated("-startdate", start);
    mustRun(argv);
    ++counter_;
    startResponders();  // openssl ocsp reads its index file once, when it starts
    return base;
}

pdf::KeySigner RevocationLab::signer(const fs::path& base) {
    auto load = [](const fs::path& p, bool key) {
        BIO* bio = BIO_new_file(p.c_str(), "r");
        void* out =
            key ? static_cast<void*>(PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr))
                : static_cast<void*>(PEM_read_bio_X509(bio, nullptr, nullptr, nullptr));
        BIO_free(bio);
        if (!out) throw std::runtime_error("cannot read " + p.string());
        return out;
    };
    pdf::EvpPkeyPtr key(static_cast<EVP_PKEY*>(load(fs::path(base) += ".key", true)));
    pdf::X509Ptr cert(static_cast<X509*>(load(fs::path(base) += ".pem", false)));
    pdf::X509Ptr root(static_cast<X509*>(load(rootPem(), false)));
    pdf::X509StackPtr chain(sk_X509_new_null());
    sk_X509_push(chain.get(), root.release());
    return pdf::KeySigner(key.get(), cert.get(), chain.get());
}

void RevocationLab::makeCrl() {
    const auto d = dir().string();
    mustRun({"openssl", "ca", "-config", d + "/ca.cnf", "-gencrl", "-out", d + "/root.crl.pem"});
    mustRun(
        {"openssl", "crl", "-in", d + "/root.crl.pem", "-outform", "DER", "-out", d + "/root.crl"});
}

void RevocationLab::revoke(const fs::path& base, const std::string& reason) {
    const auto d = dir().string();
    mustRun({"openssl", "ca", "-config", d + "/ca.cnf", "-revoke", base.string() + ".pem",
             "-crl_reason", reason});
    makeCrl();
    startResponders();
}

std::vector<uint8_t> RevocationLab::timestamp(std::span<const uint8_t> data) {
    const auto d = dir().string();
    writeFile(dir() / "ts-data.bin", std::string(data.begin(), data.end()));
    mustRun({"openssl", "ts", "-query", "-data", d + "/ts-data.bin", "-sha256", "-cert",
             "-no_nonce", "-out", d + "/ts.tsq"});
    mustRun({"openssl", "ts", "-reply", "-config", d + "/ts.cnf", "-queryfile", d + "/ts.tsq",
             "-signer", d + "/tsa.pem", "-inkey", d + "/tsa.key", "-token_out", "-out",
             d + "/ts.tok"});
    auto tok = readFile(dir() / "ts.tok");
    return {tok.begin(), tok.end()};
}

std::string RevocationLab::pdfsig(const fs::path& pdf) const {
    auto r = runProcess({"pdfsig", "-nssdir", "sql:" + nssDir().string(), pdf.string()});
    return r.out + r.err;
}

ProcessResult RevocationLab::qpdfCheck(const fs::path& pdf) const {
    return runProcess({"qpdf", "--check", pdf.string()});
}

}  // namespace certagent::testing
