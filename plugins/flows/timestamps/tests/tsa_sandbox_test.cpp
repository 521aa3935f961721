// The timestamps logic library against the sandbox CA's TSA on 127.0.0.1, over core's HTTP
// client (plain http:// to loopback): a good timestamp that openssl accepts, each bad answer
// rejected with its own reason leaving no .tsr and no history row, SHA-512, a skewed clock, and
// the quota from the portal with its one low-quota reminder.
#include <gtest/gtest.h>

#include <openssl/pem.h>

#include "curl_transport.hpp"
#include "quota.hpp"
#include "stamp.hpp"
#include "store.hpp"
#include "tsa_error.hpp"
#include "tsa_test_env.hpp"
#include "verify.hpp"

namespace fs = std::filesystem;
using namespace certagent::timestamps;
using namespace certagent::testing;

namespace {

TsaSettings settingsOf(const TsaTestEnv& env) {
    TsaSettings s;
    s.url = env.ca.tsaUrl();
    s.caBundle = env.ca.tsaTrust();
    s.username = env.account.username;
    s.passwordEnv = kTsaPasswordEnv;
    return s;
}

TsaSettings withFault(TsaSettings s, const std::string& fault) {
    s.extraHeaders.emplace_back("X-Sandbox-Tsa-Fault", fault);
    return s;
}

// A TSA on loopback, the client's transport and an empty timestamp store.
struct Stamping {
    TsaTestEnv env;
    CurlTransport transport;
    Store store{env.tmp / "timestamps.db"};

    // A document to timestamp, written into the test's folder.
    fs::path document(const std::string& name, const std::string& content) const {
        auto file = env.tmp / name;
        writeFile(file, content);
        return file;
    }
};

// The first PEM object of a file, read with OpenSSL's `Read` (PEM_read_X509, ...).
template <auto Read>
auto readPem(const fs::path& p) {
    FILE* f = fopen(p.c_str(), "r");
    auto* v = f ? Read(f, nullptr, nullptr, nullptr) : nullptr;
    if (f) fclose(f);
    return v;
}

}  // namespace

TEST(TimestampsSandbox, TimestampsAFileIntoATsrThatOpensslAndVerifyFileAccept) {
    Stamping t;
    auto file = t.document("contract.txt", "Contract de vânzare-cumpărare\n");
    TsaClient client(settingsOf(t.env), t.transport);
    auto result = stampFile(client, &t.store, file, false, std::time(nullptr));

    EXPECT_EQ(result.tsr, fs::absolute(file).string() + ".tsr");
    ASSERT_TRUE(fs::exists(result.tsr));
    EXPECT_TRUE(t.transport.sent.at(0).allowPlainHttp);
    EXPECT_EQ(result.timestamp.info.hashAlgorithm, "sha256");
    EXPECT_EQ(result.timestamp.info.policyOid, "1.3.6.1.4.1.59999.1.3161");
    EXPECT_FALSE(result.timestamp.info.serialHex.empty());
    auto openssl = runProcess({"openssl", "ts", "-verify", "-data", file.string(), "-in",
                               result.tsr.string(), "-CAfile", t.env.ca.tsaTrust().string()});
    EXPECT_EQ(openssl.exit_code, 0) << openssl.out << openssl.err;
    EXPECT_NE(openssl.out.find("Verification: OK"), std::string::npos) << openssl.out;

    auto info = verifyFile(file, result.tsr, t.env.ca.tsaTrust());
    EXPECT_EQ(info.serialHex, result.timestamp.info.serialHex);

    auto rows = t.store.history();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].kind, "file");
    EXPECT_EQ(rows[0].file, fs::absolute(file).string());
    EXPECT_EQ(rows[0].tsaSerial, result.timestamp.info.serialHex);
    EXPECT_EQ(rows[0].genTime, result.timestamp.info.genTime);
    EXPECT_EQ(rows[0].hashHex.size(), 64u);
    EXPECT_EQ(rows[0].tsaUrl, t.env.ca.tsaUrl());

    writeFile(file, "Contract de vânzare-cumpărare (modificat)\n");
    try {
        verifyFile(file, result.tsr, t.env.ca.tsaTrust());
        FAIL() << "a changed file must not verify";
    } catch (const TsaError& e) {
        EXPECT_EQ(e.failure(), TsaFailure::DataMismatch) << e.what();
    }
}

struct FaultCase {
    const char* fault;
    TsaFailure expected;
    const char* words;  // part of the message that names the problem
};

void PrintTo(const FaultCase& c, std::ostream* os) { *os << c.fault; }

class TimestampsSandboxFaults : public ::testing::TestWithParam<FaultCase> {};

TEST_P(TimestampsSandboxFaults, BadAnswerIsRejectedWithItsOwnReasonAndNothingIsWritten) {
    const auto& c = GetParam();
    Stamping t;
    auto file = t.document("doc.pdf", "%PDF-1.4 not really\n");
    TsaClient client(withFault(settingsOf(t.env), c.fault), t.transport);
    try {
        stampFile(client, &t.store, file, false, std::time(nullptr));
        FAIL() << c.fault << " was accepted";
    } catch (const TsaError& e) {
        EXPECT_EQ(tsaFailureName(e.failure()), std::string(tsaFailureName(c.expected)))
            << c.fault << ": " << e.what();
        EXPECT_NE(std::string(e.what()).find(c.words), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(fs::path(fs::absolute(file).string() + ".tsr")));
    EXPECT_FALSE(fs::exists(fs::path(fs::absolute(file).string() + ".tsr.part")));
    EXPECT_EQ(t.store.historyCount(), 0u);
    EXPECT_FALSE(t.store.quota());
    // Faults never use quota.
    EXPECT_EQ(t.env.ca.tsaAccount(t.env.account.username).used, 0);
}

INSTANTIATE_TEST_SUITE_P(
    SandboxTsa, TimestampsSandboxFaults,
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

TEST(TimestampsSandbox, WrongPasswordIsUnauthorizedAndNothingIsWritten) {
    Stamping t;
    setenv(kTsaPasswordEnv, "not-the-password", 1);
    auto file = t.document("a.txt", "a");
    TsaClient client(settingsOf(t.env), t.transport);
    try {
        stampFile(client, &t.store, file, false, std::time(nullptr));
        FAIL();
    } catch (const TsaError& e) {
        EXPECT_EQ(e.failure(), TsaFailure::Unauthorized) << e.what();
        EXPECT_EQ(std::string(e.what()).find("not-the-password"), std::string::npos);
    }
    EXPECT_FALSE(fs::exists(t.env.tmp / "a.txt.tsr"));
    EXPECT_EQ(t.store.historyCount(), 0u);
}

TEST(TimestampsSandbox, UnknownPolicyIsRefusedByTheTsa) {
    TsaTestEnv env;
    CurlTransport transport;
    auto s = settingsOf(env);
    s.policyOid = "1.2.3.4.5";
    TsaClient client(s, transport);
    std::vector<uint8_t> data = {1, 2, 3};
    try {
        client.timestampData(data);
        FAIL();
    } catch (const TsaError& e) {
        EXPECT_EQ(e.failure(), TsaFailure::Rejected) << e.what();
        EXPECT_NE(std::string(e.what()).find("unacceptedPolicy"), std::string::npos) << e.what();
    }
}

TEST(TimestampsSandbox, Sha512AndTheSandboxPolicyAreHonoured) {
    TsaTestEnv env;
    CurlTransport transport;
    auto s = settingsOf(env);
    s.hash = "sha512";
    s.policyOid = "1.3.6.1.4.1.59999.1.3161";
    TsaClient client(s, transport);
    std::vector<uint8_t> data = {1, 2, 3};
    auto ts = client.timestampData(data);
    EXPECT_EQ(ts.info.hashAlgorithm, "sha512");
    EXPECT_EQ(ts.info.imprint.size(), 64u);
}

TEST(TimestampsSandbox, ClockFarFromTheTsaTimeIsRejectedAndNothingIsWritten) {
    Stamping t;
    auto file = t.document("late.txt", "late");
    TsaClient client(settingsOf(t.env), t.transport, [] { return std::time(nullptr) + 3600; });
    try {
        stampFile(client, &t.store, file, false, std::time(nullptr));
        FAIL();
    } catch (const TsaError& e) {
        EXPECT_EQ(e.failure(), TsaFailure::ClockSkew) << e.what();
        EXPECT_NE(std::string(e.what()).find("check the clock"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(t.env.tmp / "late.txt.tsr"));
    EXPECT_EQ(t.store.historyCount(), 0u);
}

TEST(TimestampsSandbox, QuotaFromThePortalDecreasesAndExhaustionIsClear) {
    TsaTestEnv env("PNORO-QUOTA-1");
    // A holder with a portal account; the TSA credentials belong to the same account.
    auto holder = env.ca.issueHolder({.common_name = "ION QUOTA"});
    HttpsTestClient portal(env.ca.trustBundle());
    portal.withClientCert(holder.cert, holder.key);
    auto created = portal.postJson(env.ca.url() + "api/v1/account", {{"language", "ro"}}, "acct-1");
    ASSERT_EQ(created.status, 202) << created.body;
    env.ca.confirmAccount(portal);
    env.account = env.ca.tsaAccount(holder.holder_id, 3);
    setenv(kTsaPasswordEnv, env.account.password.c_str(), 1);

    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(readPem<PEM_read_PrivateKey>(holder.key),
                                                            &EVP_PKEY_free);
    std::unique_ptr<X509, decltype(&X509_free)> cert(readPem<PEM_read_X509>(holder.cert),
                                                     &X509_free);
    CurlTransport transport;
    CurlTransport portal_transport;
    portal_transport.cert = cert.get();
    portal_transport.key = key.get();
    auto fetch = [&] {
        return fetchPortalQuota(portal_transport, env.ca.url(), env.ca.trustBundle().string(),
                                nullptr, std::time(nullptr));
    };
    auto q0 = fetch();
    EXPECT_EQ(q0.remaining, 3);
    EXPECT_EQ(q0.tsaUrl, env.ca.tsaUrl());
    EXPECT_EQ(q0.source, "portal");

    Store store(env.tmp / "timestamps.db");
    int reminders = 0;
    store.updateQuota(q0, 2, [&](const Quota&) { ++reminders; });
    TsaClient client(settingsOf(env), transport);
    for (int i = 0; i < 3; ++i) {
        auto file = env.tmp / ("f" + std::to_string(i) + ".txt");
        writeFile(file, std::to_string(i));
        auto r = stampFile(client, &store, file, false, std::time(nullptr));
        ASSERT_TRUE(r.timestamp.quotaRemaining);
        EXPECT_EQ(*r.timestamp.quotaRemaining, 2 - i);
        noteQuota(store, r.timestamp, 2, [&](const Quota&) { ++reminders; }, std::time(nullptr));
        EXPECT_EQ(fetch().remaining, 2 - i);
    }
    // Below low_quota (2) once: one reminder, not one per timestamp; the portal's total is kept.
    EXPECT_EQ(reminders, 1);
    ASSERT_TRUE(store.quota());
    EXPECT_EQ(store.quota()->remaining, 0);
    EXPECT_EQ(store.quota()->source, "tsa");
    EXPECT_EQ(store.quota()->total, q0.total);

    auto file = env.tmp / "one-too-many.txt";
    writeFile(file, "x");
    try {
        stampFile(client, &store, file, false, std::time(nullptr));
        FAIL();
    } catch (const TsaError& e) {
        EXPECT_EQ(e.failure(), TsaFailure::QuotaExhausted) << e.what();
        EXPECT_NE(std::string(e.what()).find("quota is used up"), std::string::npos);
    }
    EXPECT_FALSE(fs::exists(fs::path(fs::absolute(file).string() + ".tsr")));
    EXPECT_EQ(store.historyCount(), 3u);
    EXPECT_EQ(fetch().used, 3);
}
