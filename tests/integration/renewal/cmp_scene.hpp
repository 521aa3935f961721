#pragma once
// The CMP tests' scene: a SoftHSM2 token, the CMP server's own PKI, OpenSSL's CMP mock server
// (`openssl cmp -port 0`, plain HTTP on loopback, which the agent allows for CMP because each
// message is protected end to end) and certagent-cli with its own config and state. The mock
// answers a fixed certificate, so a test first runs the renewal (or enrolment) up to the
// `certificate` step (kill -9 there), issues the answer from the journalled CSR with the
// SoftHSM fixture's CA, starts the server and resumes.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <sstream>

#include "background_process.hpp"
#include "lab.hpp"
#include "softhsm.hpp"
#include "temp_dir.hpp"

namespace certagent::testing::cmp {

namespace fs = std::filesystem;

inline int count(const std::string& text, const std::string& what) {
    int n = 0;
    for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
    return n;
}

inline std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

struct ServerOptions {
    int pollCount = 0;
    int checkAfter = 1;
    int pkiStatus = -1;  // with failure: a refusal
    int failure = -1;
    bool untrustedProtection = false;  // signs with a certificate the agent does not trust
    std::string secret;                // -srv_secret (from the server's environment)
    bool signs = true;                 // -srv_cert/-srv_key (else the secret only)
};

// The first enrolment's subject.
inline constexpr const char* kEnrolSubject = "/CN=ANA POPESCU/O=Test";

class CmpScene {
  public:
    // key: the type of the certificate to renew; nullopt: a token without any (enrolment).
    explicit CmpScene(std::optional<TestKeyType> key) {
        token = &hsm.createToken("Titular", "123456");
        if (key)
            old = hsm.addCertificate(*token, {.commonName = "ION POPESCU",
                                              .label = "Semnatura",
                                              .idHex = "a1",
                                              .keyType = *key,
                                              .notAfterDays = 12});
        // The CMP server's own PKI (protection of its answers), and an unrelated one.
        for (const char* name : {"cmp-root", "other-root"})
            openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                     "-nodes", "-keyout", path(name, ".key"), "-out", path(name, ".pem"), "-subj",
                     std::string("/CN=") + name, "-days", "30"});
        for (const char* name : {"cmp-root", "other-root"}) {
            std::string srv = std::string(name) + "-srv";
            openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                     "-keyout", path(srv, ".key"), "-out", path(srv, ".csr"), "-subj",
                     "/CN=CMP Server"});
            openssl({"x509", "-req", "-in", path(srv, ".csr"), "-CA", path(name, ".pem"), "-CAkey",
                     path(name, ".key"), "-set_serial", "7", "-days", "30", "-out",
                     path(srv, ".pem")});
        }
        config = dir / "agent.toml";
        stateDir = dir / "state";
    }

    void writeConfig(const std::string& trusted = "cmp-root") {
        writeFile(config, "[pkcs11]\nextra_modules = [\"" + SoftHsm::modulePath().string() +
                              "\"]\nuse_p11_kit = false\n[renewal]\nbackend = \"cmp\"\n"
                              "ca_bundle = \"" +
                              hsm.caCertFile().string() + "\"\n[renewal.cmp]\nserver = \"" + url +
                              "\"\ntrusted = \"" + path(trusted, ".pem") + "\"\n" + extraConfig);
    }

    ProcessResult cli(std::vector<std::string> args, std::vector<std::string> env = {},
                      int timeout_s = 60) {
        return runProcess(argv(std::move(args)), environment(std::move(env)), {}, timeout_s);
    }
    std::vector<std::string> argv(std::vector<std::string> args) const {
        std::vector<std::string> out = {CERTAGENT_CLI, "--config", config.string(), "--state-dir",
                                        stateDir.string()};
        out.insert(out.end(), args.begin(), args.end());
        return out;
    }
    std::vector<std::string> environment(std::vector<std::string> env) const {
        auto e = hsm.env();
        e.push_back("HOME=" + dir.path().string());
        e.push_back("CERTAGENT_POLICY_FILE=" + (dir / "none.toml").string());
        e.push_back("LANG=C.UTF-8");
        e.push_back("CERTAGENT_RENEWAL_MAX_POLL_S=1");
        e.push_back("RENEW_PIN=123456");
        e.insert(e.end(), env.begin(), env.end());
        return e;
    }

    std::vector<std::string> renewArgs() const {
        return {"renew", "--token",   token->serial, "--cert",
                "a1",    "--pin-env", "RENEW_PIN",   "--yes"};
    }
    ProcessResult renew(std::vector<std::string> env = {}) { return cli(renewArgs(), env); }

    // certagent-cli enrol with the shared secret in CMP_SECRET (give it in `env`).
    ProcessResult enrol(const std::string& keyType, std::vector<std::string> env = {}) {
        return cli(
            {"enrol", "--token", token->serial, "--subject", kEnrolSubject, "--key-type", keyType,
             "--reference", "enrol-42", "--secret-env", "CMP_SECRET", "--pin-env", "RENEW_PIN"},
            env);
    }

    // Runs the renewal (or with enrolKeyType, the enrolment) up to the `certificate` step (new
    // key and CSR on the token, nothing sent), then issues the certificate the mock server
    // will answer.
    void prepare(const std::string& enrolKeyType = {}) {
        url = "http://127.0.0.1:9/pkix/";  // nothing listens: the step is never reached
        writeConfig();
        auto killed = enrolKeyType.empty() ? renew({"CERTAGENT_FAULT_AT=certificate"})
                                           : enrol(enrolKeyType, {"CERTAGENT_FAULT_AT=certificate",
                                                                  "CMP_SECRET=not-needed-yet"});
        ASSERT_NE(killed.exit_code, 0) << killed.out << killed.err;
        auto csr = journalValue("csr_pem");
        ASSERT_FALSE(csr.empty()) << killed.err;
        writeFile(dir / "new.csr", csr);
        // The mock checks a kur's oldCertId against this certificate's issuer and serial.
        openssl({"x509", "-req", "-in", (dir / "new.csr").string(), "-CA",
                 hsm.caCertFile().string(), "-CAkey", hsm.caKeyFile().string(), "-set_serial",
                 "0x" + (old.serialHex.empty() ? std::string("5eed") : old.serialHex), "-days",
                 "365", "-out", path("new", ".pem")});
    }

    void startServer(const ServerOptions& o = {}) {
        const std::string signer = o.untrustedProtection ? "other-root-srv" : "cmp-root-srv";
        std::vector<std::string> argv = {"openssl",      "cmp",
                                         "-port",        "0",
                                         "-verbosity",   "7",
                                         "-srv_trusted", hsm.caCertFile().string(),
                                         "-rsp_cert",    path("new", ".pem"),
                                         "-rsp_capubs",  hsm.caCertFile().string()};
        if (o.signs)
            argv.insert(argv.end(),
                        {"-srv_cert", path(signer, ".pem"), "-srv_key", path(signer, ".key")});
        std::vector<std::string> env;
        if (!o.secret.empty()) {
            // The secret reaches the server through its environment, never its command line.
            argv.insert(argv.end(), {"-srv_secret", "env:CMP_SRV_SECRET", "-srv_ref", "ca-7"});
            env.push_back("CMP_SRV_SECRET=" + o.secret);
        }
        if (o.pollCount > 0)
            argv.insert(argv.end(), {"-poll_count", std::to_string(o.pollCount), "-check_after",
                                     std::to_string(o.checkAfter)});
        if (o.pkiStatus >= 0) argv.insert(argv.end(), {"-pkistatus", std::to_string(o.pkiStatus)});
        if (o.failure >= 0) argv.insert(argv.end(), {"-failure", std::to_string(o.failure)});
        serverLog = dir / "cmp-server.log";
        server = std::make_unique<BackgroundProcess>(argv, env, serverLog);
        std::string port;
        ASSERT_TRUE(waitUntil(
            [&] {
                auto log = slurp(serverLog);
                auto at = log.find("ACCEPT ");
                auto colon = log.find("]:", at);
                if (at == std::string::npos || colon == std::string::npos) return false;
                port = log.substr(colon + 2, log.find(' ', colon) - colon - 2);
                return true;
            },
            std::chrono::seconds(10)))
            << slurp(serverLog);
        url = "http://127.0.0.1:" + port + "/pkix/";
        writeConfig(trustedName);
    }

    std::string journalValue(const std::string& key) {
        fs::path db;
        for (const auto& e : fs::recursive_directory_iterator(stateDir))
            if (e.path().filename() == "journal.sqlite") db = e.path();
        sqlite3* h = nullptr;
        std::string out;
        if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
            sqlite3_stmt* st = nullptr;
            if (sqlite3_prepare_v2(h, "SELECT value FROM renewal_values WHERE key = ?", -1, &st,
                                   nullptr) == SQLITE_OK) {
                sqlite3_bind_text(st, 1, key.c_str(), -1, SQLITE_TRANSIENT);
                if (sqlite3_step(st) == SQLITE_ROW)
                    out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
            }
            sqlite3_finalize(st);
        }
        sqlite3_close(h);
        return out;
    }

    int received(const std::string& type) { return count(slurp(serverLog), "received " + type); }
    std::string objects() { return hsm.pkcs11Tool(*token, {"--list-objects"}, true).out; }

    std::string path(const std::string& name, const char* ext) {
        return (dir / (name + ext)).string();
    }
    void openssl(std::vector<std::string> args) {
        args.insert(args.begin(), "openssl");
        auto r = runProcess(args);
        if (r.exit_code != 0) throw std::runtime_error("openssl failed: " + r.err);
    }

    TempDir dir{"certagent-cmp"};
    SoftHsm hsm;
    SoftHsmToken* token = nullptr;
    TestCert old;
    fs::path config, stateDir, serverLog;
    std::string url, trustedName = "cmp-root", extraConfig;
    std::unique_ptr<BackgroundProcess> server;
};

class CmpTest : public ::testing::Test {
  protected:
    void SetUp() override {
        if (runProcess({"openssl", "cmp", "-help"}).exit_code != 0 &&
            runProcess({"openssl", "cmp", "-help"}).err.find("-port") == std::string::npos)
            CERTAGENT_NEED_LAB("openssl with CMP (package openssl)");
        if (!fs::exists(SoftHsm::modulePath())) CERTAGENT_NEED_LAB("softhsm2 (package softhsm2)");
    }
};

}  // namespace certagent::testing::cmp
