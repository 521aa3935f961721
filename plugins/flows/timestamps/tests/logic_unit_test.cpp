// The timestamps logic library without a TSA: what a request carries (and what it never does),
// how each HTTP answer maps to its reason, the store's history and its once-per-crossing quota
// reminder, and the checks made before anything is sent.
#include <gtest/gtest.h>

#include <openssl/evp.h>

#include <cstdlib>

#include "client.hpp"
#include "stamp.hpp"
#include "store.hpp"
#include "temp_dir.hpp"
#include "text.hpp"
#include "tsa_error.hpp"

namespace fs = std::filesystem;
using namespace certagent::timestamps;
using certagent::testing::TempDir;
using certagent::testing::writeFile;

namespace {

constexpr const char* kPasswordEnv = "CERTAGENT_TEST_TSA_UNIT_PASSWORD";

// Records what would have been sent; answers what the test says.
class FakeTransport final : public Transport {
public:
    HttpAnswer perform(const HttpRequest& request) override {
        sent.push_back(request);
        return answer;
    }
    std::vector<HttpRequest> sent;
    HttpAnswer answer{500, {}, {}};
};

std::string header(const HttpRequest& r, const std::string& name) {
    for (const auto& [n, v] : r.headers)
        if (n == name) return v;
    return {};
}

// Some trust anchor: the anchors are loaded before anything is sent.
const fs::path& anchors() {
    static TempDir dir("certagent-ts-anchors");
    static fs::path pem = [] {
        auto p = dir / "anchor.pem";
        auto r = certagent::testing::runProcess(
            {"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-nodes", "-subj", "/CN=certagent unit anchor", "-days", "2", "-keyout",
             (dir / "anchor.key").string(), "-out", p.string()});
        EXPECT_EQ(r.exit_code, 0) << r.err;
        return p;
    }();
    return pem;
}

TsaSettings settings(const std::string& url) {
    TsaSettings s;
    s.url = url;
    s.caBundle = anchors();
    return s;
}

TsaFailure failureOf(TsaClient& client) {
    std::vector<uint8_t> data = {1, 2, 3};
    try {
        client.timestampData(data);
    } catch (const TsaError& e) {
        return e.failure();
    }
    ADD_FAILURE() << "no error";
    return TsaFailure::Config;
}

}  // namespace

TEST(TimestampsText, FillsNumberedPlaceholdersAndLeavesTheRest) {
    EXPECT_EQ(say("Timestamps left: {0}", 12), "Timestamps left: 12");
    EXPECT_EQ(say("{1} before {0}", "b", std::string("a")), "a before b");
    EXPECT_EQ(say("{2} {x} {", 1), "{2} {x} {");
}

TEST(TimestampsClient, APlainHttpUrlAsksForLoopbackOnlyAndHttpsDoesNot) {
    FakeTransport t;
    TsaClient plain(settings("http://127.0.0.1:9/tsa"), t);
    failureOf(plain);
    TsaClient tls(settings("https://tsa.example/tsa"), t);
    failureOf(tls);
    ASSERT_EQ(t.sent.size(), 2u);
    EXPECT_TRUE(t.sent[0].allowPlainHttp);
    EXPECT_FALSE(t.sent[1].allowPlainHttp);
    for (const auto& r : t.sent) {
        EXPECT_EQ(r.method, "POST");
        EXPECT_EQ(header(r, "Content-Type"), "application/timestamp-query");
        EXPECT_EQ(r.maxBytes, 1u << 20);  // a hostile answer is bounded
        EXPECT_EQ(r.caBundle, anchors().string());
        EXPECT_TRUE(header(r, "Authorization").empty());
    }
}

TEST(TimestampsClient, CredentialsComeFromTheNamedVariableOnly) {
    FakeTransport t;
    auto s = settings("http://127.0.0.1:9/tsa");
    s.username = "ana";
    s.passwordEnv = kPasswordEnv;
    unsetenv(kPasswordEnv);
    TsaClient client(s, t);
    try {
        std::vector<uint8_t> data = {1};
        client.timestampData(data);
        FAIL() << "an unset password variable must fail";
    } catch (const TsaError& e) {
        EXPECT_EQ(e.failure(), TsaFailure::Config);
        EXPECT_NE(std::string(e.what()).find(kPasswordEnv), std::string::npos) << e.what();
    }
    EXPECT_TRUE(t.sent.empty()) << "nothing may be sent without the password";

    setenv(kPasswordEnv, "parola-secreta", 1);
    failureOf(client);
    ASSERT_EQ(t.sent.size(), 1u);
    // What the transport got is the header the client built; the client's own copy is wiped.
    EXPECT_EQ(header(t.sent[0], "Authorization"), "Basic YW5hOnBhcm9sYS1zZWNyZXRh");
    unsetenv(kPasswordEnv);
}

TEST(TimestampsClient, EachHttpRefusalHasItsOwnReason) {
    struct Case {
        long status;
        std::map<std::string, std::string> headers;
        std::string body;
        TsaFailure expected;
        const char* words;
    };
    const Case cases[] = {
        {401, {}, "", TsaFailure::Unauthorized, "refused the credentials (HTTP 401)"},
        {403, {}, "", TsaFailure::Unauthorized, "HTTP 403"},
        {429, {{"retry-after", "30"}}, "", TsaFailure::RateLimited, "try again in 30 seconds"},
        {429, {}, "", TsaFailure::RateLimited, "try again later"},
        {402, {}, "", TsaFailure::QuotaExhausted, "quota is used up"},
        {409, {}, R"({"error": {"code": "TIMESTAMP_QUOTA_EXHAUSTED"}})", TsaFailure::QuotaExhausted,
         "quota is used up"},
        {500, {}, "", TsaFailure::HttpStatus, "HTTP 500"},
        {200, {}, "<html>not a timestamp</html>", TsaFailure::Garbage, "not an RFC 3161"},
    };
    for (const auto& c : cases) {
        FakeTransport t;
        t.answer = {c.status, c.headers, c.body};
        TsaClient client(settings("http://127.0.0.1:9/tsa"), t);
        std::vector<uint8_t> data = {1};
        try {
            client.timestampData(data);
            ADD_FAILURE() << c.status << " was accepted";
        } catch (const TsaError& e) {
            EXPECT_EQ(tsaFailureName(e.failure()), std::string(tsaFailureName(c.expected)))
                << c.status << ": " << e.what();
            EXPECT_NE(std::string(e.what()).find(c.words), std::string::npos) << e.what();
            EXPECT_EQ(e.retryable(), c.status == 429 || c.status >= 500) << c.status;
        }
    }
}

TEST(TimestampsClient, AnAddressTheAgentRefusesIsASettingToChange) {
    class Refusing final : public Transport {
    public:
        HttpAnswer perform(const HttpRequest&) override {
            throw TransportError("plain http:// is allowed only to this computer", "usage", false);
        }
    } t;
    TsaClient client(settings("http://tsa.example/tsa"), t);
    EXPECT_EQ(failureOf(client), TsaFailure::Config);
}

TEST(TimestampsClient, BadSettingsFailBeforeAnythingIsSent) {
    FakeTransport t;
    EXPECT_THROW(TsaClient(settings(""), t), TsaError);
    EXPECT_THROW(TsaClient(settings("ftp://tsa.example/"), t), TsaError);
    auto s = settings("http://127.0.0.1:9/tsa");
    s.hash = "md5";
    EXPECT_THROW(TsaClient(s, t), TsaError);
    s = settings("http://127.0.0.1:9/tsa");
    s.caBundle.clear();
    TsaClient no_anchors(s, t);
    EXPECT_EQ(failureOf(no_anchors), TsaFailure::Config);
    s = settings("http://127.0.0.1:9/tsa");
    s.policyOid = "not an oid";
    TsaClient bad_policy(s, t);
    EXPECT_EQ(failureOf(bad_policy), TsaFailure::Config);
    EXPECT_TRUE(t.sent.empty());
}

TEST(TimestampsStamp, AnExistingTsrOrAMissingFileIsRefusedBeforeTheNetwork) {
    TempDir dir("certagent-ts-unit");
    FakeTransport t;
    TsaClient client(settings("http://127.0.0.1:9/tsa"), t);
    auto file = dir / "a.txt";
    writeFile(file, "a");
    writeFile(dir / "a.txt.tsr", "an older timestamp");
    try {
        stampFile(client, nullptr, file, false, 0);
        FAIL();
    } catch (const certagent::sdk::PluginError& e) {
        EXPECT_EQ(e.status(), CA_ERR_INVALID_ARGUMENT);  // the CLI's usage error (exit 2)
        EXPECT_NE(std::string(e.what()).find("--force"), std::string::npos) << e.what();
    }
    EXPECT_THROW(stampFile(client, nullptr, dir / "missing.txt", true, 0),
                 certagent::sdk::PluginError);
    EXPECT_TRUE(t.sent.empty());
    EXPECT_EQ(certagent::testing::readFile(dir / "a.txt.tsr"), "an older timestamp");
}

TEST(TimestampsStore, HistoryIsNewestFirstAndSurvivesReopening) {
    TempDir dir("certagent-ts-unit");
    {
        Store store(dir / "timestamps.db");
        for (int i = 0; i < 3; ++i) {
            HistoryEntry e;
            e.kind = i == 2 ? "signature" : "file";
            e.file = "/f" + std::to_string(i);
            store.addHistory(e);
        }
        EXPECT_EQ(store.historyCount(), 3u);
    }
    Store store(dir / "timestamps.db");
    auto rows = store.history(2);
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].file, "/f2");
    EXPECT_EQ(rows[0].kind, "signature");
    EXPECT_EQ(rows[1].file, "/f1");
    store.removeHistory(rows[0].id);
    EXPECT_EQ(store.historyCount(), 2u);
}

TEST(TimestampsStore, TheLowQuotaReminderGoesOncePerCrossing) {
    TempDir dir("certagent-ts-unit");
    Store store(dir / "timestamps.db");
    EXPECT_FALSE(store.quota());
    int reminders = 0;
    auto remind = [&](const Quota&) { ++reminders; };
    auto update = [&](long long remaining) {
        Quota q;
        q.remaining = remaining;
        q.source = "tsa";
        return store.updateQuota(q, 3, remind);
    };
    EXPECT_FALSE(update(5));
    EXPECT_TRUE(update(2));   // crossed below 3
    EXPECT_FALSE(update(1));  // still below: no second reminder
    EXPECT_FALSE(update(0));
    EXPECT_EQ(reminders, 1);
    EXPECT_FALSE(update(50));  // a new pack
    EXPECT_TRUE(update(2));    // crossed again
    EXPECT_EQ(reminders, 2);
    ASSERT_TRUE(store.quota());
    EXPECT_EQ(store.quota()->remaining, 2);

    // A reminder that fails is not marked as sent, and the count is not saved either.
    auto failing = [](const Quota&) { throw std::runtime_error("no notifier"); };
    Quota q;
    q.remaining = 40;
    store.updateQuota(q, 3, failing);
    q.remaining = 1;
    EXPECT_THROW(store.updateQuota(q, 3, failing), std::runtime_error);
    EXPECT_EQ(store.quota()->remaining, 40);
    EXPECT_TRUE(update(1));
}
