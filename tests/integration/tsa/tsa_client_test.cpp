// The RFC 3161 client in core against the sandbox TSA: a good timestamp, each bad answer
// rejected with its own reason and nothing written, PAdES B-T, and the quota.
#include <gtest/gtest.h>

#include <openssl/pem.h>

#include "certagent/core/agent.hpp"
#include "certagent/core/pdf/sign.hpp"
#include "certagent/core/pdf/simple_pdf.hpp"
#include "certagent/core/pdf/verify.hpp"
#include "certagent/core/tsa/quota.hpp"
#include "certagent/core/tsa/service.hpp"
#include "certagent/core/tsa/tsa_error.hpp"
#include "certagent/core/tsa/verify.hpp"
#include "tsa_test_env.hpp"

namespace fs = std::filesystem;
using namespace certagent;
using namespace certagent::testing;
using tsa::TsaFailure;

namespace {

class RecordingNotifier final : public Notifier {
  public:
    bool notify(const json& n) override {
        seen.push_back(n);
        return true;
    }
    std::vector<json> seen;
};

std::unique_ptr<Agent> makeAgent(TsaTestEnv& env, std::shared_ptr<Notifier> notifier = {}) {
    AgentOptions o;
    o.config.explicit_file = env.config;
    o.config.policy_file = env.tmp / "no-policy.toml";
    o.config.user_file = env.tmp / "no-user.toml";
    o.config.read_environment = false;
    o.state_dir = env.state;
    o.notifier = std::move(notifier);
    o.log_to_file = false;
    o.load_plugins = false;
    return std::make_unique<Agent>(o);
}

tsa::TsaSettings settingsWithFault(Agent& agent, const std::string& fault) {
    auto s = tsa::settingsFrom(agent.config());
    if (!fault.empty()) s.extraHeaders.push_back("X-Sandbox-Tsa-Fault: " + fault);
    return s;
}

}  // namespace

TEST(TsaClient, TimestampsAFileIntoATsrThatOpensslAndVerifyFileAccept) {
    TsaTestEnv env;
    auto agent = makeAgent(env);
    auto file = env.tmp / "contract.txt";
    writeFile(file, "Contract de vânzare-cumpărare\n");
    tsa::TsaClient client(tsa::settingsFrom(agent->config()));
    auto result = tsa::stampFile(*agent, client, file);

    EXPECT_EQ(result.tsr, fs::absolute(file).string() + ".tsr");
    ASSERT_TRUE(fs::exists(result.tsr));
    EXPECT_EQ(result.timestamp.info.hashAlgorithm, "sha256");
    EXPECT_EQ(result.timestamp.info.policyOid, "1.3.6.1.4.1.59999.1.3161");
    EXPECT_FALSE(result.timestamp.info.serialHex.empty());
    auto openssl = runProcess({"openssl", "ts", "-verify", "-data", file.string(), "-in",
                               result.tsr.string(), "-CAfile", env.ca.tsaTrust().string()});
    EXPECT_EQ(openssl.exit_code, 0) << openssl.out << openssl.err;
    EXPECT_NE(openssl.out.find("Verification: OK"), std::string::npos) << openssl.out;

    auto info = tsa::verifyFile(file, result.tsr, env.ca.tsaTrust());
    EXPECT_EQ(info.serialHex, result.timestamp.info.serialHex);

    tsa::History history(agent->store());
    auto rows = history.list();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].file, fs::absolute(file).string());
    EXPECT_EQ(rows[0].tsaSerial, result.timestamp.info.serialHex);
    EXPECT_EQ(rows[0].genTime, result.timestamp.info.genTime);
    EXPECT_EQ(rows[0].hashHex.size(), 64u);

    writeFile(file, "Contract de vânzare-cumpărare (modificat)\n");
    try {
        tsa::verifyFile(file, result.tsr, env.ca.tsaTrust());
        FAIL() << "a changed file must not verify";
    } catch (const tsa::TsaError& e) {
        EXPECT_EQ(e.failure(), TsaFailure::DataMismatch) << e.what();
    }
}

struct FaultCase {
    const char* fault;
    TsaFailure expected;
    const char* words;  // part of the message that names the problem
};

class TsaFaults : public ::testing::TestWithParam<FaultCase> {};

TEST_P(TsaFaults, BadAnswerIsRejectedWithItsOwnReasonAndNothingIsWritten) {
    const auto& c = GetParam();
    TsaTestEnv env;
    auto agent = makeAgent(env);
    auto file = env.tmp / "doc.pdf";
    writeFile(file, "%PDF-1.4 not really\n");
    tsa::TsaClient client(settingsWithFault(*agent, c.fault));
    try {
        tsa::stampFile(*agent, client, file);
        FAIL() << c.fault << " was accepted";
    } catch (const tsa::TsaError& e) {
        EXPECT_EQ(e.failure(), c.expected) << c.fault << ": " << e.what();
        EXPECT_NE(std::string(e.what()).find(c.words), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(fs::path(fs::absolute(file).string() + ".tsr")));
    EXPECT_FALSE(fs::exists(fs::path(fs::absolute(file).string() + ".tsr.part")));
    EXPECT_EQ(tsa::History(agent->store()).count(), 0u);
    // Faults never use quota.
    EXPECT_EQ(env.ca.tsaAccount(env.account.username).used, 0);
}

INSTANTIATE_TEST_SUITE_P(
    SandboxTsa, TsaFaults,
    ::testing::Values(FaultCase{"wrong-nonce", TsaFailure::WrongNonce, "wrong nonce"},
                      FaultCase{"wrong-imprint", TsaFailure::WrongImprint, "wrong message imprint"},
                      FaultCase{"untrusted", TsaFailure::UntrustedTsa, "is not trusted"},
                      FaultCase{"no-eku", TsaFailure::NotTsaCertificate, "timeStamping"},
                      FaultCase{"garbage", TsaFailure::Garbage, "not an RFC 3161"},
                      FaultCase{"429", TsaFailure::RateLimited, "HTTP 429"}),
    [](const auto& param_info) {
        std::string n = param_info.param.fault;
        for (auto& ch : n)
            if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
        return "fault_" + n;
    });

TEST(TsaClient, WrongPasswordIsUnauthorizedAndNothingIsWritten) {
    TsaTestEnv env;
    auto agent = makeAgent(env);
    setenv(kTsaPasswordEnv, "not-the-password", 1);
    auto file = env.tmp / "a.txt";
    writeFile(file, "a");
    tsa::TsaClient client(tsa::settingsFrom(agent->config()));
    try {
        tsa::stampFile(*agent, client, file);
        FAIL();
    } catch (const tsa::TsaError& e) {
        EXPECT_EQ(e.failure(), TsaFailure::Unauthorized) << e.what();
        EXPECT_EQ(std::string(e.what()).find("not-the-password"), std::string::npos);
    }
    EXPECT_FALSE(fs::exists(env.tmp / "a.txt.tsr"));
}

TEST(TsaClient, UnknownPolicyIsRefusedByTheTsa) {
    TsaTestEnv env;
    auto agent = makeAgent(env);
    auto s = tsa::settingsFrom(agent->config());
    s.policyOid = "1.2.3.4.5";
    tsa::TsaClient client(s);
    std::vector<uint8_t> data = {1, 2, 3};
    try {
        client.timestampData(data);
        FAIL();
    } catch (const tsa::TsaError& e) {
        EXPECT_EQ(e.failure(), TsaFailure::Rejected) << e.what();
        EXPECT_NE(std::string(e.what()).find("unacceptedPolicy"), std::string::npos) << e.what();
    }
}

TEST(TsaClient, Sha512AndTheSandboxPolicyAreHonoured) {
    TsaTestEnv env;
    auto agent = makeAgent(env);
    auto s = tsa::settingsFrom(agent->config());
    s.hash = "sha512";
    s.policyOid = "1.3.6.1.4.1.59999.1.3161";
    tsa::TsaClient client(s);
    std::vector<uint8_t> data = {1, 2, 3};
    auto ts = client.timestampData(data);
    EXPECT_EQ(ts.info.hashAlgorithm, "sha512");
    EXPECT_EQ(ts.info.imprint.size(), 64u);
}

TEST(TsaClient, ClockFarFromTheTsaTimeIsRejected) {
    TsaTestEnv env;
    auto agent = makeAgent(env);
    tsa::TsaClient client(tsa::settingsFrom(agent->config()), {},
                          [] { return std::time(nullptr) + 3600; });
    std::vector<uint8_t> data = {1};
    try {
        client.timestampData(data);
        FAIL();
    } catch (const tsa::TsaError& e) {
        EXPECT_EQ(e.failure(), TsaFailure::ClockSkew) << e.what();
    }
}

TEST(TsaClient, PadesBtCarriesAVerifiedSignatureTimestamp) {
    TsaTestEnv env;
    auto agent = makeAgent(env);
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
    tsa::TsaClient client(tsa::settingsFrom(agent->config()));
    auto obtained = std::make_shared<std::vector<tsa::Timestamp>>();
    pdf::SignOptions options;
    options.timestamper = tsa::makeTimestamper(client, obtained);
    pdf::signPdf(in, out, signer, options);
    ASSERT_EQ(obtained->size(), 1u);

    // Trust: the holder's chain and the TSA's root (the same sandbox root).
    auto reports = pdf::verifyPdf(out, env.ca.caChain());
    ASSERT_EQ(reports.size(), 1u);
    const auto& r = reports[0];
    EXPECT_EQ(r.status, pdf::SignatureStatus::Valid) << r.message;
    EXPECT_TRUE(r.timestamp_present);
    EXPECT_TRUE(r.timestamp_valid) << r.timestamp_message;
    EXPECT_TRUE(r.timestamp_trusted) << r.timestamp_message;
    EXPECT_EQ(r.timestamp_time, obtained->front().info.genTime);

    // pdfsig 22.12 names the PAdES signature; it prints no timestamp line (checked below so a
    // newer poppler that does is noticed).
    auto pdfsig = runProcess({"pdfsig", out.string()});
    EXPECT_NE(pdfsig.out.find("ETSI.CAdES.detached"), std::string::npos) << pdfsig.out;
    EXPECT_NE(pdfsig.out.find("Signature is Valid"), std::string::npos) << pdfsig.out;
    RecordProperty("pdfsig", pdfsig.out);
}

TEST(TsaClient, QuotaFromThePortalDecreasesAndExhaustionIsClear) {
    TsaTestEnv env("PNORO-QUOTA-1");
    auto notifier = std::make_shared<RecordingNotifier>();
    // A holder with a portal account; the TSA credentials belong to the same account.
    auto holder = env.ca.issueHolder({.common_name = "ION QUOTA"});
    HttpsTestClient portal(env.ca.trustBundle());
    portal.withClientCert(holder.cert, holder.key);
    auto created = portal.postJson(env.ca.url() + "api/v1/account", {{"language", "ro"}}, "acct-1");
    ASSERT_EQ(created.status, 202) << created.body;
    env.ca.confirmAccount(portal);
    env.account = env.ca.tsaAccount(holder.holder_id, 3);
    setenv(kTsaPasswordEnv, env.account.password.c_str(), 1);
    env.writeConfig(2);
    auto agent = makeAgent(env, notifier);

    FILE* f = fopen(holder.key.c_str(), "r");
    pdf::EvpPkeyPtr key(PEM_read_PrivateKey(f, nullptr, nullptr, nullptr));
    fclose(f);
    f = fopen(holder.cert.c_str(), "r");
    pdf::X509Ptr cert(PEM_read_X509(f, nullptr, nullptr, nullptr));
    fclose(f);
    auto fetch = [&] {
        return tsa::fetchPortalQuota(env.ca.url(), env.ca.trustBundle(), cert.get(), key.get(),
                                     std::time(nullptr));
    };
    auto q0 = fetch();
    EXPECT_EQ(q0.remaining, 3);
    EXPECT_EQ(q0.tsaUrl, env.ca.tsaUrl());

    tsa::TsaClient client(tsa::settingsFrom(agent->config()));
    for (int i = 0; i < 3; ++i) {
        auto file = env.tmp / ("f" + std::to_string(i) + ".txt");
        writeFile(file, std::to_string(i));
        auto r = tsa::stampFile(*agent, client, file);
        ASSERT_TRUE(r.timestamp.quotaRemaining);
        EXPECT_EQ(*r.timestamp.quotaRemaining, 2 - i);
        EXPECT_EQ(fetch().remaining, 2 - i);
    }
    // Below low_quota (2) once: one reminder, not one per timestamp.
    ASSERT_EQ(notifier->seen.size(), 1u);
    EXPECT_EQ(notifier->seen[0].value("plugin", ""), "timestamps");
    tsa::registerHostMethods(*agent);
    auto q = agent->services().call("test", "timestamps.quota", json::object());
    EXPECT_TRUE(q.value("known", false));
    EXPECT_EQ(q.value("remaining", -1), 0);
    EXPECT_TRUE(q.value("low", false));

    auto file = env.tmp / "one-too-many.txt";
    writeFile(file, "x");
    try {
        tsa::stampFile(*agent, client, file);
        FAIL();
    } catch (const tsa::TsaError& e) {
        EXPECT_EQ(e.failure(), TsaFailure::QuotaExhausted) << e.what();
        EXPECT_NE(std::string(e.what()).find("quota is used up"), std::string::npos);
    }
    EXPECT_FALSE(fs::exists(fs::path(fs::absolute(file).string() + ".tsr")));
    EXPECT_EQ(tsa::History(agent->store()).count(), 3u);
    EXPECT_EQ(fetch().used, 3);
}
