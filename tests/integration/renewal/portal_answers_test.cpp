// The portal backend against a CA (a small TLS server on 127.0.0.1) that answers JSON of the
// wrong shape: every such answer gets a clear message naming the request and what is missing
// or wrong, never a JSON library's exception text and never a guessed state.
#include <gtest/gtest.h>
#include <httplib.h>

#include <map>
#include <mutex>
#include <thread>

#include "certagent/core/error.hpp"
#include "certagent/core/http/client.hpp"
#include "certagent/core/i18n.hpp"
#include "failure.hpp"
#include "portal_backend.hpp"
#include "temp_dir.hpp"

namespace certagent::testing {
namespace {

using renewal::Outcome;

struct Canned {
    int status = 200;
    std::string body;
    std::string type = "application/json";
};

// A TLS server on 127.0.0.1 whose answers the test sets per "METHOD path".
class CraftedCa {
  public:
    explicit CraftedCa(const TempDir& dir) {
        cert_ = dir / "ca-tls.pem";
        key_ = dir / "ca-tls.key";
        auto r = runProcess({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                             "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj",
                             "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout",
                             key_.string(), "-out", cert_.string()});
        if (r.exit_code != 0) throw std::runtime_error("openssl req: " + r.err);
        server_ = std::make_unique<httplib::SSLServer>(cert_.c_str(), key_.c_str());
        auto answer = [this](const httplib::Request& req, httplib::Response& res) {
            std::lock_guard lock(m_);
            auto it = answers_.find(req.method + " " + req.path);
            if (it == answers_.end()) {
                res.status = 404;
                res.set_content(R"({"error":{"code":"NOT_FOUND","message":"no such endpoint"}})",
                                "application/json");
                return;
            }
            res.status = it->second.status;
            res.set_content(it->second.body, it->second.type);
        };
        server_->Get(".*", answer);
        server_->Post(".*", answer);
        server_->Put(".*", answer);
        port_ = server_->bind_to_any_port("127.0.0.1");
        if (port_ <= 0) throw std::runtime_error("cannot bind 127.0.0.1");
        thread_ = std::thread([this] { server_->listen_after_bind(); });
    }
    ~CraftedCa() {
        server_->stop();
        thread_.join();
    }
    void answer(const std::string& call, Canned c) {
        std::lock_guard lock(m_);
        answers_[call] = std::move(c);
    }
    std::string url() const { return "https://127.0.0.1:" + std::to_string(port_) + "/"; }
    const std::filesystem::path& trust() const { return cert_; }

  private:
    std::filesystem::path cert_, key_;
    std::unique_ptr<httplib::SSLServer> server_;
    std::thread thread_;
    int port_ = 0;
    std::mutex m_;
    std::map<std::string, Canned> answers_;
};

// The agent's HTTPS client as the plugin sees it (certagent.http/1), in process.
class CoreHttp final : public renewal::Http {
  public:
    explicit CoreHttp(const std::filesystem::path& trust)
        : client_(http::ClientOptions{.caBundle = trust, .systemStore = false}) {}
    renewal::HttpResponse perform(const renewal::HttpRequest& r) override {
        http::Request req;
        req.method = r.method;
        req.url = r.url;
        req.body = r.body;
        req.contentType = r.contentType;
        for (const auto& [k, v] : r.headers) req.headers.push_back(k + ": " + v);
        try {
            auto resp = client_.perform(req);
            renewal::HttpResponse out;
            out.status = resp.status;
            out.body = resp.body;
            out.headers["content-type"] = resp.header("content-type");
            return out;
        } catch (const Error& e) {
            throw renewal::Failure(errorKindName(e.kind()), e.what());
        }
    }

  private:
    http::CurlClient client_;
};

// What the engine lends the backend, in memory; TLS verified against the server's certificate.
class Context final : public renewal::BackendContext {
  public:
    explicit Context(const CraftedCa& ca, const TempDir& dir)
        : http_(ca.trust()), work_(dir / "work") {
        record_.id = "r-1";
        record_.years = 2;
        record_.certSerial = "0A1B";
    }
    renewal::RenewalRecord& record() override { return record_; }
    void save() override { ++saves; }
    std::optional<std::string> value(const std::string& key) override {
        auto it = values.find(key);
        return it == values.end() ? std::nullopt : std::optional<std::string>(it->second);
    }
    void setValue(const std::string& key, const std::string& v) override { values[key] = v; }
    std::string idempotencyKey(const std::string& step) override { return "key-" + step; }
    void enterPhase(const std::string& phase) override { record_.phase = phase; }
    void progress(const std::string& message) override { record_.message = message; }
    void notify(const std::string&, const std::string&, const std::string&) override {}
    renewal::Answer ask(renewal::Prompt) override { return renewal::Answer::Later; }
    renewal::Http& http() override { return http_; }
    renewal::Bytes signDigest(const std::string&, const std::string&,
                              std::span<const uint8_t>) override {
        throw std::logic_error("no signing in these tests");
    }
    void signPdf(const std::filesystem::path&, const std::filesystem::path&,
                 const std::string&) override {
        throw std::logic_error("no signing in these tests");
    }
    renewal::PdfFacts inspectPdf(const std::filesystem::path&, double) override { return {}; }
    int64_t nowMs() override { return 0; }
    const std::filesystem::path& workDir() override { return work_; }
    void warn(const std::string&) override {}

    std::map<std::string, std::string> values;
    int saves = 0;

  private:
    renewal::RenewalRecord record_;
    CoreHttp http_;
    std::filesystem::path work_;
};

class PortalAnswers : public ::testing::Test {
  protected:
    void SetUp() override { i18n::init("en"); }
    TempDir dir{"certagent-portal-answers"};
    CraftedCa ca{dir};
    Context ctx{ca, dir};
    std::unique_ptr<renewal::Backend> backend = renewal::makePortalBackend({.baseUrl = ca.url()});
};

// A clear refusal: names the request and the field, no library text, no guess.
void expectClear(const Outcome& o, const std::string& request, const std::string& what) {
    EXPECT_EQ(o.kind, Outcome::Kind::Misconfigured)
        << renewal::outcomeName(o.kind) << ": " << o.reason;
    EXPECT_EQ(o.code, "CA_ANSWER_UNEXPECTED") << o.reason;
    EXPECT_NE(o.reason.find(request), std::string::npos) << o.reason;
    EXPECT_NE(o.reason.find(what), std::string::npos) << o.reason;
    EXPECT_EQ(o.reason.find("json.exception"), std::string::npos) << o.reason;
    EXPECT_EQ(o.reason.find("discarded"), std::string::npos) << o.reason;
    EXPECT_EQ(o.reason.find("confirmation link"), std::string::npos) << o.reason;
}

TEST_F(PortalAnswers, AnAccountAnswerThatIsAListIsNamedNotAJsonException) {
    ca.answer("GET /api/v1/account", {200, "[1, 2]"});
    expectClear(backend->check(ctx), "GET api/v1/account", "not a JSON object");
}

TEST_F(PortalAnswers, AnAccountAnswerThatIsNotJsonIsNamed) {
    ca.answer("GET /api/v1/account", {200, "<html>Wi-Fi login</html>", "text/html"});
    expectClear(backend->check(ctx), "GET api/v1/account", "not JSON");
    ca.answer("GET /api/v1/account", {200, "{\"status\": "});  // cut short
    expectClear(backend->check(ctx), "GET api/v1/account", "not valid JSON");
}

TEST_F(PortalAnswers, AnAccountWithoutAStatusIsNotTakenForAnUnconfirmedEmail) {
    ca.answer("GET /api/v1/account", {200, R"({"email": "i***@example.test"})"});
    auto o = backend->prepare(ctx);
    expectClear(o, "GET api/v1/account", "the field status is missing");
    EXPECT_FALSE(o.needsUser);
    EXPECT_FALSE(ctx.value("account_active"));
    ca.answer("GET /api/v1/account", {200, R"({"status": "SUSPENDED"})"});
    expectClear(backend->prepare(ctx), "GET api/v1/account", "SUSPENDED");
    ca.answer("GET /api/v1/account", {200, R"({"status": 3})"});
    expectClear(backend->prepare(ctx), "GET api/v1/account", "the field status is not a text");
}

TEST_F(PortalAnswers, ARequestWithoutAStateIsNamedAndNothingIsRecorded) {
    ctx.values["account_active"] = "1";
    ctx.record().caReference = "R1";
    ctx.record().caState = "CIORNA";
    ca.answer("GET /api/v1/renewals/R1", {200, R"({"id": "R1", "state": null})"});
    expectClear(backend->prepare(ctx), "GET api/v1/renewals/R1", "the field state is missing");
    EXPECT_EQ(ctx.record().caState, "CIORNA");
    EXPECT_EQ(ctx.saves, 0);
}

TEST_F(PortalAnswers, APaymentOfTheWrongShapeIsNamedWithItsPath) {
    ctx.values["account_active"] = "1";
    ctx.record().caReference = "R1";
    ca.answer("GET /api/v1/renewals/R1",
              {200, R"({"state": "PLATA_IN_ASTEPTARE", "payment": "x"})"});
    expectClear(backend->prepare(ctx), "GET api/v1/renewals/R1",
                "the field payment is not an object");
    ca.answer(
        "GET /api/v1/renewals/R1",
        {200, R"({"state": "PLATA_IN_ASTEPTARE", "payment": {"payment_url": "https://x/"}})"});
    expectClear(backend->prepare(ctx), "GET api/v1/renewals/R1", "payment.status is missing");
}

TEST_F(PortalAnswers, ProductsAndAnOpenRequestOfTheWrongShapeAreNamed) {
    ctx.values["account_active"] = "1";
    ca.answer("GET /api/v1/products", {200, R"({"items": {"id": "QCERT-NP-2Y"}})"});
    expectClear(backend->prepare(ctx), "GET api/v1/products", "the field items is not a list");
    ca.answer("GET /api/v1/products",
              {200, R"({"items": [{"id": "QCERT-NP-2Y", "validity_years": "2"}]})"});
    expectClear(backend->prepare(ctx), "GET api/v1/products",
                "items[0].validity_years is not a whole number");
    ctx.values["product_id"] = "QCERT-NP-2Y";
    ca.answer("POST /api/v1/renewals",
              {409, R"({"error": {"code": "RENEWAL_ALREADY_OPEN", "message": "open"}})"});
    expectClear(backend->prepare(ctx), "POST api/v1/renewals", "error.details is missing");
    EXPECT_TRUE(ctx.record().caReference.empty());
    ca.answer("POST /api/v1/renewals", {201, R"({"state": "CIORNA"})"});
    expectClear(backend->prepare(ctx), "POST api/v1/renewals", "the field id is missing");
}

TEST_F(PortalAnswers, AnIssuedCertificateWithoutPemIsNamed) {
    ctx.values["account_active"] = "1";
    ctx.record().caReference = "R1";
    ca.answer("GET /api/v1/renewals/R1", {200, R"({"state": "EMISA"})"});
    ca.answer("GET /api/v1/renewals/R1/certificate", {200, R"({"certificate_pem": 42})"});
    expectClear(backend->prepare(ctx), "GET api/v1/renewals/R1/certificate",
                "the field certificate_pem is not a text");
}

TEST_F(PortalAnswers, AnErrorWhoseCodeIsNotATextIsStillARefusal) {
    ca.answer("GET /api/v1/account", {403, R"({"error": {"code": 7, "message": ["x"]}})"});
    auto o = backend->check(ctx);
    EXPECT_EQ(o.kind, Outcome::Kind::Misconfigured) << o.reason;
    EXPECT_NE(o.reason.find("403"), std::string::npos) << o.reason;
    EXPECT_EQ(o.reason.find("json.exception"), std::string::npos) << o.reason;
}

}  // namespace
}  // namespace certagent::testing
