// `certagent-cli daemon` with [server] enabled, answered by curl; `certagent-cli sign --cades`
// and `certagent-cli verify` on our own PAdES and CAdES output, tampered files and untrusted
// signers.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "certagent/core/pdf/simple_pdf.hpp"
#include "http_probe.hpp"
#include "softhsm.hpp"
#include "temp_dir.hpp"

using namespace certagent::testing;
using json = nlohmann::json;

namespace {

int freePort() {
    // Ask the kernel for a free loopback port, then let it go (the daemon binds it next).
    auto r = runProcess({"python3", "-c",
                         "import socket;s=socket.socket();s.bind(('127.0.0.1',0));"
                         "print(s.getsockname()[1])"});
    return std::atoi(r.out.c_str());
}

struct CliFixture : ::testing::Test {
    TempDir dir{"certagent-srvcli"};
    SoftHsm hsm;
    SoftHsmToken* token = nullptr;
    std::filesystem::path config = dir / "agent.toml";

    void SetUp() override {
        token = &hsm.createToken("Semnatura", "246810");
        TestCertSpec spec;
        spec.commonName = "Ion Popescu";
        spec.idHex = "a1";
        spec.qualified = true;
        hsm.addCertificate(*token, spec);
    }

    void writeConfig(const std::string& extra) {
        writeFile(config, "[pkcs11]\nextra_modules = [\"" + hsm.modulePath().string() +
                              "\"]\nuse_p11_kit = false\n[renewal]\nca_bundle = \"" +
                              hsm.caCertFile().string() + "\"\n[verify]\nca_bundle = \"" +
                              hsm.caCertFile().string() + "\"\n" + extra);
    }

    std::vector<std::string> env() const {
        auto e = hsm.env();
        e.push_back("HOME=" + dir.path().string());
        e.push_back("XDG_STATE_HOME=" + (dir / "state").string());
        e.push_back("CERTAGENT_POLICY_FILE=" + (dir / "none.toml").string());
        e.push_back("TEST_PIN=246810");
        e.push_back("LANG=C.UTF-8");
        return e;
    }

    ProcessResult cli(std::vector<std::string> args) {
        std::vector<std::string> argv = {CERTAGENT_CLI, "--config", config.string()};
        argv.insert(argv.end(), args.begin(), args.end());
        return runProcess(argv, env(), {}, 60);
    }
};

// A daemon child process, stopped with SIGTERM at the end of the test.
class Daemon {
public:
    Daemon(const std::vector<std::string>& argv, const std::vector<std::string>& env,
           const std::filesystem::path& log) {
        pid_ = fork();
        if (pid_ == 0) {
            for (const auto& e : env) putenv(strdup(e.c_str()));
            FILE* f = fopen(log.c_str(), "w");
            dup2(fileno(f), 2);
            dup2(fileno(f), 1);
            std::vector<char*> args;
            for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
            args.push_back(nullptr);
            execv(args[0], args.data());
            _exit(127);
        }
    }
    ~Daemon() {
        if (pid_ > 0) {
            kill(pid_, SIGTERM);
            int status = 0;
            waitpid(pid_, &status, 0);
        }
    }

private:
    pid_t pid_ = -1;
};

HttpAnswer waitForStatus(int port) {
    HttpAnswer a;
    for (int i = 0; i < 100; ++i) {
        a = curl({"GET", "http://127.0.0.1:" + std::to_string(port) + "/api/v1/status", {}, {},
                  {}});
        if (a.status != 0) return a;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return a;
}

}  // namespace

TEST_F(CliFixture, DaemonServesTheApiWithTestConsentAndSigns) {
    const int port = freePort();
    writeConfig("[server]\nenabled = true\nport = " + std::to_string(port) +
                "\nallowed_origins = [\"https://portal.example\"]\nconsent = \"test\"\n");
    auto e = env();
    e.push_back("CERTAGENT_TEST_CONSENT_PIN_ENV=TEST_PIN");
    Daemon daemon({CERTAGENT_CLI, "--config", config.string(), "daemon"}, e, dir / "daemon.log");
    auto status = waitForStatus(port);
    ASSERT_EQ(status.status, 200) << readFile(dir / "daemon.log");
    EXPECT_EQ(json::parse(status.body)["consent"], "test");
    json body = {{"algorithm", "sha256"},
                 {"digest", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="},
                 {"certificate", {{"token", token->serial}, {"id", "a1"}}}};
    auto a = curl({"POST", "http://localhost:" + std::to_string(port) + "/api/v1/sign/hash",
                   {"Origin: https://portal.example", "Content-Type: application/json"},
                   body.dump(), {}});
    EXPECT_EQ(a.status, 200) << a.body;
    EXPECT_TRUE(json::parse(a.body).contains("signature"));
    // The PIN is never in the daemon's log.
    EXPECT_EQ(readFile(dir / "daemon.log").find("246810"), std::string::npos);
}

TEST_F(CliFixture, DaemonRefusesByDefaultAndTestConsentNeedsItsVariable) {
    const int port = freePort();
    writeConfig("[server]\nenabled = true\nport = " + std::to_string(port) +
                "\nallowed_origins = [\"https://portal.example\"]\n");
    {
        Daemon daemon({CERTAGENT_CLI, "--config", config.string(), "daemon"}, env(),
                      dir / "d1.log");
        ASSERT_EQ(waitForStatus(port).status, 200) << readFile(dir / "d1.log");
        json body = {{"algorithm", "sha256"},
                     {"digest", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="},
                     {"certificate", {{"token", token->serial}, {"id", "a1"}}}};
        auto a = curl({"POST", "http://127.0.0.1:" + std::to_string(port) + "/api/v1/sign/hash",
                       {"Origin: https://portal.example", "Content-Type: application/json"},
                       body.dump(), {}});
        EXPECT_EQ(a.status, 403) << a.body;
        EXPECT_NE(a.body.find("CONSENT_DENIED"), std::string::npos);
    }
    // consent = "test" without CERTAGENT_TEST_CONSENT_PIN_ENV: the server does not start.
    writeConfig("[server]\nenabled = true\nport = " + std::to_string(port) +
                "\nconsent = \"test\"\n");
    Daemon daemon({CERTAGENT_CLI, "--config", config.string(), "daemon"}, env(), dir / "d2.log");
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    EXPECT_EQ(curl({"GET", "http://127.0.0.1:" + std::to_string(port) + "/api/v1/status", {}, {},
                    {}})
                  .status,
              0);
    EXPECT_NE(readFile(dir / "d2.log").find("CERTAGENT_TEST_CONSENT_PIN_ENV"), std::string::npos);
}

TEST_F(CliFixture, CadesOfAnyFileVerifiesAndTamperingIsDetected) {
    writeConfig("");
    auto data = dir / "contract.txt";
    writeFile(data, "Contract de vânzare\n");
    auto r = cli({"sign", data.string(), "--cades", "--token", token->serial, "--cert", "a1",
                  "--pin-env", "TEST_PIN"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto p7s = dir / "contract.txt.p7s";
    ASSERT_TRUE(std::filesystem::exists(p7s));
    // OpenSSL agrees it is a valid detached signature.
    auto o = runProcess({"openssl", "cms", "-verify", "-inform", "DER", "-in", p7s.string(),
                         "-content", data.string(), "-binary", "-CAfile",
                         hsm.caCertFile().string(), "-purpose", "any", "-out", "/dev/null"});
    EXPECT_EQ(o.exit_code, 0) << o.err;

    // Intact and trusted; but the test CA publishes no OCSP responder or CRL, so the
    // revocation status cannot be known: INDETERMINATE/TRY_LATER, exit 1 (never PASSED).
    auto v = cli({"--json", "verify", p7s.string(), "--data", data.string()});
    ASSERT_EQ(v.exit_code, 1) << v.out << v.err;
    auto j = json::parse(v.out);
    EXPECT_EQ(j["type"], "cades-detached");
    EXPECT_EQ(j["signatures"][0]["status"], "valid");
    EXPECT_EQ(j["indication"], "INDETERMINATE");
    EXPECT_EQ(j["sub_indication"], "TRY_LATER");
    EXPECT_EQ(j["signatures"][0]["revocation"][0]["reason"], "no_source");
    EXPECT_TRUE(j["signatures"][0]["qualified"].get<bool>());

    // Without --data the signed file next to the .p7s (contract.txt) is taken.
    auto beside = cli({"verify", p7s.string()});
    EXPECT_EQ(beside.exit_code, 1) << beside.out << beside.err;
    EXPECT_NE(beside.out.find("Signature 1: cannot be confirmed (INDETERMINATE/TRY_LATER)"),
              std::string::npos)
        << beside.out;
    auto lone = dir / "lone.bin.p7s";
    std::filesystem::copy_file(p7s, lone);
    auto missing = cli({"verify", lone.string()});
    EXPECT_EQ(missing.exit_code, 1) << missing.out;
    EXPECT_NE(missing.err.find("lone.bin"), std::string::npos) << missing.err;

    writeFile(data, "Contract de vânzare!\n");
    auto t = cli({"verify", p7s.string(), "--data", data.string()});
    EXPECT_EQ(t.exit_code, 1);
    EXPECT_NE(t.out.find("modified"), std::string::npos) << t.out;
}

TEST_F(CliFixture, PadesVerifiesAndAnUntrustedSignerIsReported) {
    writeConfig("");
    auto input = dir / "doc.pdf";
    certagent::pdf::makeSimplePdf(input, {"Document", {"Text semnat."}});
    auto out = dir / "doc.signed.pdf";
    auto r = cli({"sign", input.string(), "--token", token->serial, "--cert", "a1", "--pin-env",
                  "TEST_PIN", "-o", out.string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto v = cli({"--json", "verify", out.string()});
    EXPECT_EQ(v.exit_code, 1) << v.out << v.err;  // no revocation source: INDETERMINATE
    auto vj = json::parse(v.out);
    EXPECT_EQ(vj["signatures"][0]["status"], "valid");
    EXPECT_EQ(vj["sub_indication"], "TRY_LATER");
    EXPECT_NE(v.out.find("Ion Popescu"), std::string::npos);

    // Against another CA's bundle the same signature is intact but not trusted.
    SoftHsm other;
    auto u = cli({"--json", "verify", out.string(), "--trust", other.caCertFile().string()});
    EXPECT_EQ(u.exit_code, 1);
    auto j = json::parse(u.out);
    EXPECT_EQ(j["signatures"][0]["status"], "untrusted");
    EXPECT_TRUE(j["signatures"][0]["integrity"].get<bool>());

    // A byte changed inside the signed range.
    auto bytes = readFile(out);
    auto pos = bytes.find("/Type");
    ASSERT_NE(pos, std::string::npos);
    bytes[pos + 1] = 't';
    auto tampered = dir / "tampered.pdf";
    writeFile(tampered, bytes);
    auto t = cli({"--json", "verify", tampered.string()});
    EXPECT_EQ(t.exit_code, 1);
    EXPECT_EQ(json::parse(t.out)["signatures"][0]["status"], "modified") << t.out;
}
