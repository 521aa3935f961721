// The CMP backend's own work against `openssl cmp -cmd kur` (issue 21): one key update request
// with certConf/pkiConf to OpenSSL's mock server on 127.0.0.1, the same keys and server for
// both. The backend runs in process through the agent's HTTP client (libcurl); its signatures
// go through the token-key adapter (cmp_token_key.cpp) to a file key here, so the figure is the
// backend's protocol work without token or key generation. Also printed: OpenSSL's own client
// API in process (OSSL_CMP_exec_KUR_ses, file keys, OpenSSL's own HTTP transport).
//
//   bench_cmp_kur [runs]      (needs `openssl` on PATH; prints medians and ratios)
#include <openssl/cmp.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "certagent/core/error.hpp"
#include "certagent/core/http/client.hpp"
#include "cmp_backend.hpp"
#include "failure.hpp"

namespace fs = std::filesystem;
using namespace certagent;
using Clock = std::chrono::steady_clock;

namespace {

int sh(const std::string& cmd) { return std::system(cmd.c_str()); }

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

EVP_PKEY* readKey(const fs::path& p) {
    FILE* f = std::fopen(p.c_str(), "r");
    EVP_PKEY* k = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
    std::fclose(f);
    return k;
}
X509* readCert(const fs::path& p) {
    FILE* f = std::fopen(p.c_str(), "r");
    X509* x = PEM_read_X509(f, nullptr, nullptr, nullptr);
    std::fclose(f);
    return x;
}
renewal::Bytes der(X509* x) {
    renewal::Bytes out(static_cast<std::size_t>(i2d_X509(x, nullptr)));
    unsigned char* w = out.data();
    i2d_X509(x, &w);
    return out;
}
renewal::Bytes pubDer(EVP_PKEY* k) {
    renewal::Bytes out(static_cast<std::size_t>(i2d_PUBKEY(k, nullptr)));
    unsigned char* w = out.data();
    i2d_PUBKEY(k, &w);
    return out;
}

class CoreHttp final : public renewal::Http {
  public:
    CoreHttp()
        : client_(http::ClientOptions{.systemStore = false, .allowPlainHttpToLoopback = true}) {}
    renewal::HttpResponse perform(const renewal::HttpRequest& r) override {
        http::Request req;
        req.method = r.method;
        req.url = r.url;
        req.body = r.body;
        req.contentType = r.contentType;
        auto resp = client_.perform(req);
        renewal::HttpResponse out;
        out.status = resp.status;
        out.body = resp.body;
        return out;
    }

  private:
    http::CurlClient client_;
};

// Signs with file keys: "a1" the old key, "b2" the new one.
class Context final : public renewal::BackendContext {
  public:
    Context(EVP_PKEY* oldKey, EVP_PKEY* newKey) : old_(oldKey), new_(newKey) {
        record_.id = "bench";
        record_.certId = "a1";
    }
    renewal::RenewalRecord& record() override { return record_; }
    void save() override {}
    std::optional<std::string> value(const std::string& key) override {
        auto it = values.find(key);
        return it == values.end() ? std::nullopt : std::optional<std::string>(it->second);
    }
    void setValue(const std::string& key, const std::string& v) override { values[key] = v; }
    std::string idempotencyKey(const std::string& s) override { return s; }
    void enterPhase(const std::string&) override {}
    void progress(const std::string&) override {}
    void notify(const std::string&, const std::string&, const std::string&) override {}
    renewal::Answer ask(renewal::Prompt) override { return renewal::Answer::Later; }
    renewal::Http& http() override { return http_; }
    renewal::Bytes signDigest(const std::string& id, const std::string& hash,
                              std::span<const uint8_t> digest) override {
        EVP_PKEY* k = id == "a1" ? old_ : new_;
        EVP_PKEY_CTX* c = EVP_PKEY_CTX_new(k, nullptr);
        EVP_PKEY_sign_init(c);
        if (EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA) {
            EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING);
            EVP_PKEY_CTX_set_signature_md(c, EVP_get_digestbyname(hash.c_str()));
        }
        size_t n = 0;
        EVP_PKEY_sign(c, nullptr, &n, digest.data(), digest.size());
        renewal::Bytes sig(n);
        EVP_PKEY_sign(c, sig.data(), &n, digest.data(), digest.size());
        sig.resize(n);
        EVP_PKEY_CTX_free(c);
        return sig;
    }
    void signPdf(const fs::path&, const fs::path&, const std::string&) override {}
    renewal::PdfFacts inspectPdf(const fs::path&, double) override { return {}; }
    int64_t nowMs() override { return 0; }
    const fs::path& workDir() override { return work_; }
    void warn(const std::string& m) override { std::cerr << "warn: " << m << "\n"; }
    std::map<std::string, std::string> values;

  private:
    EVP_PKEY *old_, *new_;
    renewal::RenewalRecord record_;
    CoreHttp http_;
    fs::path work_ = "/tmp";
};

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    const int runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 20;
    const fs::path d = fs::temp_directory_path() / ("cmp-bench-" + std::to_string(getpid()));
    fs::create_directories(d);
    const std::string D = d.string();
    const char* ec = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
    sh("cd " + D + " && openssl req -x509 " + ec +
       " -keyout ca.key -out ca.pem -subj /CN=CA -days 30 2>/dev/null && " + "openssl req " + ec +
       " -keyout srv.key -out srv.csr -subj /CN=Srv 2>/dev/null && " +
       "openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -set_serial 5 -days 30 -out srv.pem "
       "2>/dev/null && " +
       "openssl req " + ec + " -keyout old.key -out old.csr -subj /CN=Holder 2>/dev/null && " +
       "openssl x509 -req -in old.csr -CA ca.pem -CAkey ca.key -set_serial 77 -days 30 -out "
       "old.pem 2>/dev/null && " +
       "openssl req " + ec + " -keyout new.key -out new.csr -subj /CN=Holder 2>/dev/null && " +
       "openssl x509 -req -in new.csr -CA ca.pem -CAkey ca.key -set_serial 77 -days 30 -out "
       "new.pem 2>/dev/null");
    pid_t server = fork();
    if (server == 0) {
        std::freopen((D + "/server.log").c_str(), "w", stdout);
        std::freopen((D + "/server.log").c_str(), "a", stderr);
        execlp("openssl", "openssl", "cmp", "-port", "0", "-srv_cert", (D + "/srv.pem").c_str(),
               "-srv_key", (D + "/srv.key").c_str(), "-srv_trusted", (D + "/ca.pem").c_str(),
               "-rsp_cert", (D + "/new.pem").c_str(), nullptr);
        _exit(127);
    }
    std::string port;
    for (int i = 0; i < 100 && port.empty(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        auto log = slurp(d / "server.log");
        auto c = log.find("]:");
        if (c != std::string::npos) port = log.substr(c + 2, log.find(' ', c) - c - 2);
    }
    if (port.empty()) {
        std::cerr << "the mock server did not start\n";
        kill(server, SIGTERM);
        return 1;
    }
    const std::string url = "http://127.0.0.1:" + port + "/pkix/";

    EVP_PKEY* oldKey = readKey(d / "old.key");
    EVP_PKEY* newKey = readKey(d / "new.key");
    X509* oldCert = readCert(d / "old.pem");

    std::vector<double> backend, api, tool;
    for (int i = 0; i < runs + 1; ++i) {  // the first round warms up and is not counted
        // 1. The backend.
        {
            Context ctx(oldKey, newKey);
            auto b = renewal::makeCmpBackend({url, (d / "ca.pem").string(), "", false});
            renewal::CertificateRequest req;
            req.candidateKeyId = "b2";
            req.candidatePublicKey = pubDer(newKey);
            req.renewedCertificate = der(oldCert);
            auto t0 = Clock::now();
            auto o = b->requestCertificate(ctx, req);
            auto t1 = Clock::now();
            if (o.kind != renewal::Outcome::Kind::Issued) {
                std::cerr << "backend: " << renewal::outcomeName(o.kind) << " " << o.reason << "\n";
                kill(server, SIGTERM);
                return 1;
            }
            if (i) backend.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
        }
        // 2. OpenSSL's client API in process.
        {
            auto t0 = Clock::now();
            OSSL_CMP_CTX* c = OSSL_CMP_CTX_new(nullptr, nullptr);
            X509_STORE* st = X509_STORE_new();
            X509_STORE_load_file(st, (d / "ca.pem").c_str());
            OSSL_CMP_CTX_set0_trustedStore(c, st);
            OSSL_CMP_CTX_set1_server(c, "127.0.0.1");
            OSSL_CMP_CTX_set_serverPort(c, std::atoi(port.c_str()));
            OSSL_CMP_CTX_set1_serverPath(c, "pkix/");
            OSSL_CMP_CTX_set1_oldCert(c, oldCert);
            OSSL_CMP_CTX_set1_cert(c, oldCert);
            OSSL_CMP_CTX_set1_pkey(c, oldKey);
            EVP_PKEY_up_ref(newKey);
            OSSL_CMP_CTX_set0_newPkey(c, 1, newKey);
            X509* out = OSSL_CMP_exec_KUR_ses(c);
            auto t1 = Clock::now();
            OSSL_CMP_CTX_free(c);
            if (!out) {
                std::cerr << "OSSL_CMP_exec_KUR_ses failed\n";
                kill(server, SIGTERM);
                return 1;
            }
            if (i) api.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
        }
        // 3. The openssl command with file keys.
        {
            auto t0 = Clock::now();
            int rc =
                sh("openssl cmp -cmd kur -server 127.0.0.1:" + port + " -path pkix/ -trusted " + D +
                   "/ca.pem -cert " + D + "/old.pem -key " + D + "/old.key -newkey " + D +
                   "/new.key -certout " + D + "/out.pem >/dev/null 2>&1");
            auto t1 = Clock::now();
            if (rc != 0) {
                std::cerr << "openssl cmp -cmd kur failed\n";
                kill(server, SIGTERM);
                return 1;
            }
            if (i) tool.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
        }
    }
    kill(server, SIGTERM);
    waitpid(server, nullptr, 0);
    fs::remove_all(d);
    const double mb = median(backend), ma = median(api), mt = median(tool);
    std::printf("CMP kur + certConf, EC P-256, mock server on 127.0.0.1, median of %d\n", runs);
    std::printf("  certagent CMP backend (in process): %7.2f ms\n", mb);
    std::printf("  OSSL_CMP_exec_KUR_ses (in process): %7.2f ms\n", ma);
    std::printf("  openssl cmp -cmd kur (process):     %7.2f ms\n", mt);
    std::printf("  ratio backend / openssl cmp:        %7.2fx (goal <= 1.5x)\n", mb / mt);
    std::printf("  ratio backend / OpenSSL API:        %7.2fx\n", mb / ma);
    return mb / mt <= 1.5 ? 0 : 2;
}
