// The timestamps plugin through the real agent: certagent-cli timestamp (FILE.tsr accepted by
// openssl ts -verify, --verify, --history, --quota, a refused answer leaving nothing behind, a
// plain http:// TSA elsewhere refused), certagent-cli sign --timestamp with a key on a SoftHSM2
// token (PAdES and CAdES B-T, the signature's timestamp in the history), and the provider seen
// from core (HostServices::timestamper, signDocument without the plugin).
#include <gtest/gtest.h>

#include <openssl/pem.h>

#include <nlohmann/json.hpp>

#include "certagent/core/agent.hpp"
#include "certagent/core/app/extensions.hpp"
#include "certagent/core/error.hpp"
#include "certagent/core/pdf/sign.hpp"
#include "certagent/core/pdf/signer.hpp"
#include "certagent/core/pdf/simple_pdf.hpp"
#include "certagent/core/pdf/verify.hpp"
#include "certagent/core/signing/sign_document.hpp"
#include "softhsm.hpp"
#include "tsa_test_env.hpp"

namespace fs = std::filesystem;
using namespace certagent;
using namespace certagent::testing;

namespace {

std::vector<std::string> baseEnv(TsaTestEnv& env) {
    return {std::string(kTsaPasswordEnv) + "=" + env.account.password, "CERTAGENT_CONFIG=",
            "LANGUAGE=en", "HOME=" + env.tmp.path().string(),
            "CERTAGENT_POLICY_FILE=" + (env.tmp / "none.toml").string()};
}

ProcessResult cli(TsaTestEnv& env, std::vector<std::string> args,
                  std::vector<std::string> extra_env = {}) {
    std::vector<std::string> argv = {CERTAGENT_CLI, "--config", env.config.string(), "--state-dir",
                                     env.state.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    auto e = baseEnv(env);
    e.insert(e.end(), extra_env.begin(), extra_env.end());
    return runProcess(argv, e, {}, 60);
}

nlohmann::json history(TsaTestEnv& env) {
    auto h = cli(env, {"--json", "timestamp", "--history"});
    EXPECT_EQ(h.exit_code, 0) << h.out << h.err;
    return nlohmann::json::parse(h.out)["items"];
}

// Replaces the last occurrence of `from` in the agent's config file.
void editConfig(TsaTestEnv& env, const std::string& from, const std::string& to) {
    auto text = readFile(env.config);
    auto pos = text.rfind(from);
    ASSERT_NE(pos, std::string::npos) << from;
    text.replace(pos, from.size(), to);
    writeFile(env.config, text);
}

// `timestamp FILE` refused by the agent: exit 1 naming the problem, no .tsr, no history row.
void expectRefusedAndNothingWritten(TsaTestEnv& env, const std::string& words) {
    auto file = env.tmp / "doc.txt";
    writeFile(file, "doc");
    auto r = cli(env, {"timestamp", file.string()});
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_NE(r.err.find(words), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(file.string() + ".tsr"));
    EXPECT_TRUE(history(env).empty());
}

AgentOptions agentOptions(TsaTestEnv& env, bool plugins) {
    AgentOptions o;
    o.config.explicit_file = env.config;
    o.config.policy_file = env.tmp / "no-policy.toml";
    o.config.user_file = env.tmp / "no-user.toml";
    o.config.read_environment = false;
    o.state_dir = env.state;
    o.log_to_file = false;
    o.load_plugins = plugins;  // the build tree's plugins, next to the test's binary
    // The areas' extensions (http, tokens, documents), as the programs install them.
    o.before_plugins = [](Agent& a) { app::installExtensions(a); };
    return o;
}

}  // namespace

TEST(TimestampCli, MakesATsrThatOpensslVerifiesThenVerifiesAndListsIt) {
    TsaTestEnv env;
    auto file = env.tmp / "factura.pdf";
    writeFile(file, "%PDF-1.4\n% factură\n");
    auto r = cli(env, {"timestamp", file.string()});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("Timestamp saved"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Timestamps left: 49"), std::string::npos) << r.out;
    auto tsr = fs::path(file.string() + ".tsr");
    ASSERT_TRUE(fs::exists(tsr));
    // The password never reaches output or the log.
    EXPECT_EQ(r.out.find(env.account.password), std::string::npos);
    EXPECT_EQ(r.err.find(env.account.password), std::string::npos);
    for (const auto& entry : fs::recursive_directory_iterator(env.state)) {
        if (entry.is_regular_file()) {
            EXPECT_EQ(readFile(entry.path()).find(env.account.password), std::string::npos)
                << entry.path();
        }
    }
    // The plugin's own database, in its private folder.
    EXPECT_TRUE(fs::exists(env.state / "plugins" / "timestamps" / "timestamps.db"));

    auto o = runProcess({"openssl", "ts", "-verify", "-data", file.string(), "-in", tsr.string(),
                         "-CAfile", env.ca.tsaTrust().string()});
    EXPECT_EQ(o.exit_code, 0) << o.out << o.err;
    EXPECT_NE(o.out.find("Verification: OK"), std::string::npos) << o.out;

    auto v = cli(env, {"--json", "timestamp", file.string(), "--verify"});
    ASSERT_EQ(v.exit_code, 0) << v.out << v.err;
    auto vj = nlohmann::json::parse(v.out);
    EXPECT_TRUE(vj.value("valid", false));
    EXPECT_EQ(vj.value("hash_algorithm", ""), "sha256");
    auto human = cli(env, {"timestamp", file.string(), "--verify"});
    EXPECT_NE(human.out.find("Valid timestamp: " + file.string()), std::string::npos)
        << human.out << human.err;

    auto items = history(env);
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(items[0]["kind"], "file");
    EXPECT_EQ(items[0]["file"], fs::absolute(file).string());
    EXPECT_EQ(items[0]["tsa_serial"], vj["tsa_serial"]);

    auto q = cli(env, {"--json", "timestamp", "--quota"});
    ASSERT_EQ(q.exit_code, 0) << q.out << q.err;
    auto qj = nlohmann::json::parse(q.out);
    EXPECT_TRUE(qj.value("known", false));
    EXPECT_EQ(qj.value("remaining", -1), 49);
    EXPECT_EQ(qj.value("source", ""), "tsa");
    EXPECT_FALSE(qj.contains("label")) << "the tray's labels are not the command's output";

    // A second timestamp does not overwrite the first without --force (a usage error).
    auto again = cli(env, {"timestamp", file.string()});
    EXPECT_EQ(again.exit_code, 2) << again.err;
    EXPECT_NE(again.err.find("--force"), std::string::npos) << again.err;

    writeFile(file, "%PDF-1.4\n% altă factură\n");
    auto bad = cli(env, {"timestamp", file.string(), "--verify"});
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_NE(bad.err.find("does not match its timestamp"), std::string::npos) << bad.err;
}

TEST(TimestampCli, RefusedAnswerLeavesNoTsrAndNoHistory) {
    TsaTestEnv env;
    // Anchors of another sandbox CA: every real answer from this TSA is then untrusted.
    auto other = env.tmp / "other-anchor.pem";
    TempDir foreign_dir("certagent-tsa-foreign");
    SandboxCa foreign(foreign_dir / "ca");
    fs::copy_file(foreign.dir() / "trust" / "tsa-trust.pem", other);
    editConfig(env, env.ca.tsaTrust().string(), other.string());
    expectRefusedAndNothingWritten(env, "is not trusted");
}

TEST(TimestampCli, APlainHttpTsaOnAnotherComputerIsRefusedBeforeAnythingIsSent) {
    TsaTestEnv env;
    // The host is evil.example ("@127.0.0.1..." is the query): not loopback, so no plain HTTP
    // (and no password in clear) goes there.
    editConfig(env, env.ca.tsaUrl(), "http://evil.example?@127.0.0.1/tsa");
    expectRefusedAndNothingWritten(env, "only to this computer");
}

struct SignTimestampFixture : ::testing::Test {
    TsaTestEnv env;
    SoftHsm hsm;
    SoftHsmToken* token = nullptr;
    fs::path input = env.tmp / "contract.pdf";
    fs::path anchors = env.tmp / "anchors.pem";  // the signer's CA and the TSA's root

    void SetUp() override {
        token = &hsm.createToken("Semnatura", "246810");
        TestCertSpec spec;
        spec.commonName = "Ion Popescu";
        spec.idHex = "a1";
        spec.qualified = true;
        hsm.addCertificate(*token, spec);
        writeFile(env.config,
                  readFile(env.config) + "[pkcs11]\nextra_modules = [\"" +
                      hsm.modulePath().string() + "\"]\nuse_p11_kit = false\n");
        // [renewal] ca_bundle (the signer's chain): the SoftHSM certificate's CA.
        editConfig(env, env.ca.trustBundle().string(), hsm.caCertFile().string());
        writeFile(anchors, readFile(hsm.caCertFile()) + readFile(env.ca.tsaTrust()));
        pdf::makeSimplePdf(input, {"Contract", {"Părțile semnează acest contract."}});
    }

    ProcessResult sign(std::vector<std::string> extra) {
        std::vector<std::string> args = {"sign", input.string(), "--token", token->serial,
                                         "--cert", "a1", "--pin-env", "TEST_PIN", "--timestamp"};
        args.insert(args.end(), extra.begin(), extra.end());
        auto e = hsm.env();
        e.push_back("TEST_PIN=246810");
        return cli(env, args, e);
    }
};

TEST_F(SignTimestampFixture, PadesBtCarriesAVerifiedTimestampRecordedInTheHistory) {
    auto out = env.tmp / "signed.pdf";
    auto r = sign({"-o", out.string()});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("Signed: " + out.string()), std::string::npos) << r.out;
    auto reports = pdf::verifyPdf(out, anchors);
    ASSERT_EQ(reports.size(), 1u);
    const auto& report = reports[0];
    EXPECT_EQ(report.status, pdf::SignatureStatus::Valid) << report.message;
    EXPECT_TRUE(report.timestamp_present);
    EXPECT_TRUE(report.timestamp_valid) << report.timestamp_message;
    EXPECT_TRUE(report.timestamp_trusted) << report.timestamp_message;

    // Recorded once the signed file was saved (DocumentSigned), with the TSA's time.
    auto items = history(env);
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(items[0]["kind"], "signature");
    EXPECT_EQ(items[0]["file"], fs::absolute(out).string());
    EXPECT_EQ(items[0]["time"], report.timestamp_time);
    auto q = cli(env, {"--json", "timestamp", "--quota"});
    EXPECT_EQ(nlohmann::json::parse(q.out).value("remaining", -1), 49) << q.out;

    auto pdfsig = runProcess({"pdfsig", out.string()});
    EXPECT_NE(pdfsig.out.find("Signature is Valid"), std::string::npos) << pdfsig.out;
}

TEST_F(SignTimestampFixture, CadesBtIsMadeWithTheProvidersToken) {
    auto out = env.tmp / "contract.pdf.p7s";
    auto r = cli(env, {"--json", "sign", input.string(), "--cades", "--token", token->serial,
                       "--cert", "a1", "--pin-env", "TEST_PIN", "--timestamp"},
                 [&] {
                     auto e = hsm.env();
                     e.push_back("TEST_PIN=246810");
                     return e;
                 }());
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(nlohmann::json::parse(r.out).value("profile", ""), "CAdES-B-T") << r.out;
    ASSERT_TRUE(fs::exists(out));
    auto items = history(env);
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(items[0]["kind"], "signature");
    EXPECT_EQ(items[0]["file"], fs::absolute(out).string());
}

TEST_F(SignTimestampFixture, ARefusedTimestampLeavesNoSignedFileAndNoHistory) {
    auto out = env.tmp / "signed.pdf";
    auto e = hsm.env();
    e.push_back("TEST_PIN=246810");
    e.push_back(std::string(kTsaPasswordEnv) + "=wrong-password");  // later entries win
    auto r = cli(env, {"sign", input.string(), "--token", token->serial, "--cert", "a1",
                       "--pin-env", "TEST_PIN", "--timestamp", "-o", out.string()},
                 e);
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_NE(r.err.find("refused the credentials"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("wrong-password"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(out));
    EXPECT_TRUE(history(env).empty());
}

TEST(TimestampProvider, TheAgentsTimestamperIsThePluginsAndMakesPadesBt) {
    TsaTestEnv env;
    Agent agent(agentOptions(env, true));
    auto timestamper = agent.services().timestamper();
    ASSERT_TRUE(timestamper) << "the timestamps plugin did not register itself";

    auto holder = env.ca.issueHolder({.common_name = "ANA TIMESTAMP"});
    auto readPem = [](const fs::path& p, bool key) -> void* {
        FILE* f = fopen(p.c_str(), "r");
        void* v = key ? static_cast<void*>(PEM_read_PrivateKey(f, nullptr, nullptr, nullptr))
                      : static_cast<void*>(PEM_read_X509(f, nullptr, nullptr, nullptr));
        fclose(f);
        return v;
    };
    pdf::EvpPkeyPtr key(static_cast<EVP_PKEY*>(readPem(holder.key, true)));
    pdf::X509Ptr cert(static_cast<X509*>(readPem(holder.cert, false)));
    pdf::KeySigner signer(key.get(), cert.get());
    auto in = env.tmp / "in.pdf";
    auto out = env.tmp / "out.pdf";
    pdf::makeSimplePdf(in, {.title = "Document cu marcă temporală", .lines = {"Text."}});
    pdf::SignOptions options;
    options.timestamper = timestamper;  // any bytes: here a signature value
    pdf::signPdf(in, out, signer, options);

    // Trust: the holder's chain and the TSA's root (the same sandbox root).
    auto reports = pdf::verifyPdf(out, env.ca.caChain());
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].status, pdf::SignatureStatus::Valid) << reports[0].message;
    EXPECT_TRUE(reports[0].timestamp_present);
    EXPECT_TRUE(reports[0].timestamp_valid) << reports[0].timestamp_message;
    EXPECT_TRUE(reports[0].timestamp_trusted) << reports[0].timestamp_message;

    // A failure comes back as a typed error with the plugin's message.
    setenv(kTsaPasswordEnv, "not-the-password", 1);
    std::vector<uint8_t> data = {1, 2, 3};
    try {
        timestamper(data);
        FAIL() << "a refused timestamp must throw";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("refused the credentials"), std::string::npos)
            << e.what();
    }
}

TEST(TimestampProvider, ATimestampedSignatureWithoutThePluginFailsBeforeThePin) {
    TsaTestEnv env;
    Agent agent(agentOptions(env, false));
    EXPECT_FALSE(agent.services().timestamper());
    auto in = env.tmp / "in.pdf";
    pdf::makeSimplePdf(in, {.title = "Fără plugin", .lines = {"Text."}});
    signing::SignDocumentRequest request;
    request.in = in;
    request.token = "no-such-token";
    request.certId = {0xa1};
    request.timestamp = true;
    bool asked = false;
    try {
        signing::signDocument(agent, request, [&](const token::PinRequest&) {
            asked = true;
            return std::optional<SecretString>();
        });
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Config) << e.what();
        EXPECT_NE(std::string(e.what()).find("timestamps plugin"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(asked);
    EXPECT_FALSE(fs::exists(signing::defaultSignedPath(in, false)));
}
