// The CMP backend end to end against an implementation nobody here wrote: OpenSSL's own CMP
// mock server (`openssl cmp -port 0`, plain HTTP on loopback, which the agent allows for CMP
// because each message is signed end to end). Its "CA" answers a fixed certificate, so each
// test first runs the renewal up to the `certificate` step (kill -9 there), issues the answer
// from the journalled CSR with the SoftHSM fixture's CA (same issuer and serial as the old
// certificate: the mock checks the kur's oldCertId), starts the server and resumes.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <sstream>

#include "background_process.hpp"
#include "lab.hpp"
#include "softhsm.hpp"
#include "temp_dir.hpp"

namespace certagent::testing {
namespace {

namespace fs = std::filesystem;

int count(const std::string& text, const std::string& what) {
    int n = 0;
    for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
    return n;
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

struct ServerOptions {
    int pollCount = 0;
    int pkiStatus = -1;  // with failure: a refusal
    int failure = -1;
    bool untrustedProtection = false;  // signs with a certificate the agent does not trust
};

class CmpScene {
  public:
    explicit CmpScene(TestKeyType key) {
        token = &hsm.createToken("Titular", "123456");
        old = hsm.addCertificate(*token, {.commonName = "ION POPESCU",
                                          .label = "Semnatura",
                                          .idHex = "a1",
                                          .keyType = key,
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
                              "\"\ntrusted = \"" + path(trusted, ".pem") + "\"\n");
    }

    ProcessResult cli(std::vector<std::string> args, std::vector<std::string> env = {},
                      int timeout_s = 60) {
        std::vector<std::string> argv = {CERTAGENT_CLI, "--config", config.string(), "--state-dir",
                                         stateDir.string()};
        argv.insert(argv.end(), args.begin(), args.end());
        auto e = hsm.env();
        e.push_back("HOME=" + dir.path().string());
        e.push_back("CERTAGENT_POLICY_FILE=" + (dir / "none.toml").string());
        e.push_back("LANG=C.UTF-8");
        e.push_back("CERTAGENT_RENEWAL_MAX_POLL_S=1");
        e.push_back("RENEW_PIN=123456");
        e.insert(e.end(), env.begin(), env.end());
        return runProcess(argv, e, {}, timeout_s);
    }

    ProcessResult renew(std::vector<std::string> env = {}) {
        return cli(
            {"renew", "--token", token->serial, "--cert", "a1", "--pin-env", "RENEW_PIN", "--yes"},
            env);
    }

    // Runs the renewal up to the `certificate` step (new key and CSR on the token, nothing
    // sent), then issues the certificate the mock server will answer.
    void prepare() {
        url = "http://127.0.0.1:9/pkix/";  // nothing listens: the step is never reached
        writeConfig();
        auto killed = renew({"CERTAGENT_FAULT_AT=certificate"});
        ASSERT_NE(killed.exit_code, 0) << killed.out << killed.err;
        auto csr = journalValue("csr_pem");
        ASSERT_FALSE(csr.empty()) << killed.err;
        writeFile(dir / "new.csr", csr);
        openssl({"x509", "-req", "-in", (dir / "new.csr").string(), "-CA",
                 hsm.caCertFile().string(), "-CAkey", hsm.caKeyFile().string(), "-set_serial",
                 "0x" + old.serialHex, "-days", "365", "-out", path("new", ".pem")});
    }

    void startServer(const ServerOptions& o = {}) {
        const std::string signer = o.untrustedProtection ? "other-root-srv" : "cmp-root-srv";
        std::vector<std::string> argv = {"openssl",      "cmp",
                                         "-port",        "0",
                                         "-verbosity",   "7",
                                         "-srv_cert",    path(signer, ".pem"),
                                         "-srv_key",     path(signer, ".key"),
                                         "-srv_trusted", hsm.caCertFile().string(),
                                         "-rsp_cert",    path("new", ".pem"),
                                         "-rsp_capubs",  hsm.caCertFile().string()};
        if (o.pollCount > 0)
            argv.insert(argv.end(),
                        {"-poll_count", std::to_string(o.pollCount), "-check_after", "1"});
        if (o.pkiStatus >= 0) argv.insert(argv.end(), {"-pkistatus", std::to_string(o.pkiStatus)});
        if (o.failure >= 0) argv.insert(argv.end(), {"-failure", std::to_string(o.failure)});
        serverLog = dir / "cmp-server.log";
        server = std::make_unique<BackgroundProcess>(argv, std::vector<std::string>{}, serverLog);
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
    std::string url, trustedName = "cmp-root";
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

void expectRenewed(CmpScene& s) {
    auto objects = s.objects();
    EXPECT_EQ(count(objects, "Certificate Object"), 2) << objects;
    EXPECT_EQ(count(objects, "Private Key Object"), 2) << objects;
}

// A refusal ends the renewal (its new key is removed); a misconfiguration keeps it open, with
// its new key, for when the configuration is fixed.
void expectUntouched(CmpScene& s, bool ended = true) {
    auto objects = s.objects();
    EXPECT_EQ(count(objects, "Certificate Object"), 1) << objects;
    EXPECT_EQ(count(objects, "Private Key Object"), ended ? 1 : 2) << objects;
    EXPECT_NE(objects.find("ID:         a1"), std::string::npos) << objects;
}

TEST_F(CmpTest, RenewsAnRsaKeyWithKeyUpdateAndConfirmation) {
    CmpScene s(TestKeyType::Rsa2048);
    s.prepare();
    s.startServer();
    auto r = s.renew();
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err << slurp(s.serverLog);
    EXPECT_EQ(s.received("KUR"), 1);
    EXPECT_EQ(s.received("CERTCONF"), 1);
    expectRenewed(s);
}

TEST_F(CmpTest, RenewsAnEcKeyWithKeyUpdateAndConfirmation) {
    CmpScene s(TestKeyType::EcP256);
    s.prepare();
    s.startServer();
    auto r = s.renew();
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err << slurp(s.serverLog);
    EXPECT_EQ(s.received("KUR"), 1);
    EXPECT_EQ(s.received("CERTCONF"), 1);
    expectRenewed(s);
}

TEST_F(CmpTest, KilledAfterTheRequestWasSentResumesWithTheSameRequest) {
    CmpScene s(TestKeyType::EcP256);
    s.prepare();
    s.startServer();
    auto killed = s.renew({"CERTAGENT_FAULT_AT=certificate:after"});
    ASSERT_NE(killed.exit_code, 0) << killed.err;
    const auto sent = s.journalValue("cmp.request");
    ASSERT_FALSE(sent.empty());
    EXPECT_EQ(s.received("KUR"), 1);
    auto r = s.renew();
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err << slurp(s.serverLog);
    // The journalled bytes again (same transaction, nonce and signature), not a new request.
    EXPECT_EQ(s.journalValue("cmp.request"), sent);
    EXPECT_EQ(s.received("KUR"), 2);
    EXPECT_EQ(s.received("CERTCONF"), 1);
    expectRenewed(s);
}

TEST_F(CmpTest, ServerAnsweringWaitingIsPolledUntilItGrants) {
    CmpScene s(TestKeyType::EcP256);
    s.prepare();
    s.startServer({.pollCount = 2});
    auto r = s.renew();
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err << slurp(s.serverLog);
    EXPECT_EQ(s.received("KUR"), 1);
    EXPECT_EQ(s.received("POLLREQ"), 2);
    expectRenewed(s);
}

struct Refusal {
    int bit;
    const char* says;
};
class CmpRefusal : public CmpTest, public ::testing::WithParamInterface<Refusal> {};

TEST_P(CmpRefusal, ClearMessageAndTheOldCertificateUntouched) {
    CmpScene s(TestKeyType::EcP256);
    s.prepare();
    s.startServer({.pkiStatus = 2, .failure = GetParam().bit});
    auto r = s.renew();
    EXPECT_NE(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE((r.out + r.err).find(GetParam().says), std::string::npos) << r.out << r.err;
    expectUntouched(s);
}

INSTANTIATE_TEST_SUITE_P(FailInfo, CmpRefusal,
                         ::testing::Values(Refusal{9, "(badPOP)"}, Refusal{4, "(badCertId)"},
                                           Refusal{23, "(notAuthorized)"},
                                           Refusal{21, "(transactionIdInUse)"}),
                         [](const auto& param_info) {
                             return std::to_string(param_info.param.bit);
                         });

TEST_F(CmpTest, ServerWhoseProtectionIsNotTrustedIsRefused) {
    CmpScene s(TestKeyType::EcP256);
    s.prepare();
    s.startServer({.untrustedProtection = true});
    auto r = s.renew();
    EXPECT_NE(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE((r.out + r.err).find("not signed by a certificate"), std::string::npos)
        << r.out << r.err;
    expectUntouched(s, false);
}

TEST_F(CmpTest, ConfigCheckNamesTheMissingServer) {
    CmpScene s(TestKeyType::EcP256);
    writeFile(s.config, "[renewal]\nbackend = \"cmp\"\n");
    auto r = s.cli({"config", "check"});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE((r.out + r.err).find("renewal.cmp.server"), std::string::npos) << r.out << r.err;
    EXPECT_NE((r.out + r.err).find("renewal.cmp.trusted"), std::string::npos) << r.out << r.err;
}

}  // namespace
}  // namespace certagent::testing
