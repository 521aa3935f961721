// The local signing server against curl: DNS rebinding, origins, preflights, content types,
// sizes, malformed bodies, concurrency, consent, and signatures that verify.
#include <future>

#include <openssl/evp.h>

#include "certagent/core/pdf/simple_pdf.hpp"
#include "certagent/core/server/base64.hpp"
#include "server_fixture.hpp"

using namespace certagent;
using namespace certagent::testing;
using json = nlohmann::json;

namespace {

std::string errorCode(const HttpAnswer& a) {
    auto j = json::parse(a.body, nullptr, false);
    if (j.is_discarded() || !j.contains("error")) return "(not a JSON error: " + a.body + ")";
    return j["error"].value("code", "");
}

std::vector<uint8_t> sha256(const std::string& s) {
    std::vector<uint8_t> md(32);
    unsigned int n = 0;
    EVP_Digest(s.data(), s.size(), md.data(), &n, EVP_sha256(), nullptr);
    return md;
}

std::vector<uint8_t> bytesOf(const std::string& s) { return {s.begin(), s.end()}; }

}  // namespace

TEST_F(ServerFixture, StatusAnswersAnAllowedOriginWithCorsHeaders) {
    start();
    auto a = get("/api/v1/status");
    ASSERT_EQ(a.status, 200) << a.error;
    EXPECT_EQ(a.header("access-control-allow-origin"), kAllowedOrigin);
    EXPECT_EQ(json::parse(a.body)["service"], "certagent");
    // Also over IPv6 loopback, when the host has it.
    if (server->listensOnIpv6()) {
        auto v6 = curl({"GET", "http://[::1]:" + std::to_string(server->port()) + "/api/v1/status",
                        {}, {}, {}});
        EXPECT_EQ(v6.status, 200) << v6.error;
    }
}

TEST_F(ServerFixture, RebindingHostHeadersAreRefused) {
    start();
    const auto port = std::to_string(server->port());
    for (std::string host : {"evil.example:" + port, "127.0.0.1.nip.io:" + port,
                             "localhost.evil.example:" + port, std::string("localhost"),
                             "127.0.0.1:1" + port}) {
        auto a = get("/api/v1/status", {"Host: " + host});
        EXPECT_EQ(a.status, 403) << host;
        EXPECT_EQ(errorCode(a), "HOST_NOT_ALLOWED") << host;
        EXPECT_FALSE(a.has("access-control-allow-origin"));
    }
    EXPECT_EQ(get("/api/v1/status", {"Host: localhost:" + port}).status, 200);
    EXPECT_EQ(get("/api/v1/status", {"Host: [::1]:" + port}).status, 200);
}

TEST_F(ServerFixture, DisallowedOriginsAreRejectedNotJustLeftWithoutCors) {
    start();
    for (std::string origin : {"https://evil.example", "https://portal.example.evil.example",
                               "http://portal.example", "null"}) {
        auto a = get("/api/v1/status", {"Origin: " + origin});
        EXPECT_EQ(a.status, 403) << origin;
        EXPECT_EQ(errorCode(a), "ORIGIN_NOT_ALLOWED");
        EXPECT_FALSE(a.has("access-control-allow-origin"));
        json body = {{"algorithm", "sha256"},
                     {"digest", server::base64Encode(sha256("x"))},
                     {"certificate", certificateRef()}};
        auto p = post("/api/v1/sign/hash", body.dump(),
                      {"Origin: " + origin, "Content-Type: application/json"});
        EXPECT_EQ(p.status, 403);
    }
    EXPECT_TRUE(consent->seen.empty());
}

TEST_F(ServerFixture, CallsWithoutOriginAreRefusedExceptTheStatusProbe) {
    start();
    EXPECT_EQ(get("/api/v1/status", {}).status, 200);
    auto a = get("/api/v1/certificates", {});
    EXPECT_EQ(a.status, 403);
    EXPECT_EQ(errorCode(a), "ORIGIN_REQUIRED");
}

TEST_F(ServerFixture, PreflightsIncludingPrivateNetworkOnlyForAllowedOrigins) {
    start();
    HttpRequest pre{"OPTIONS", base + "/api/v1/sign/pdf",
                    {std::string("Origin: ") + kAllowedOrigin,
                     "Access-Control-Request-Method: POST",
                     "Access-Control-Request-Headers: content-type",
                     "Access-Control-Request-Private-Network: true"},
                    {}, {}};
    auto a = curl(pre);
    EXPECT_EQ(a.status, 204);
    EXPECT_EQ(a.header("access-control-allow-origin"), kAllowedOrigin);
    EXPECT_EQ(a.header("access-control-allow-private-network"), "true");
    EXPECT_NE(a.header("access-control-allow-methods").find("POST"), std::string::npos);

    pre.headers[0] = "Origin: https://evil.example";
    auto b = curl(pre);
    EXPECT_EQ(b.status, 403);
    EXPECT_FALSE(b.has("access-control-allow-origin"));
    EXPECT_FALSE(b.has("access-control-allow-private-network"));

    // An extra request header (say, a page trying to pass a PIN) is not allowed.
    pre.headers[0] = std::string("Origin: ") + kAllowedOrigin;
    pre.headers[2] = "Access-Control-Request-Headers: content-type, x-pin";
    EXPECT_EQ(curl(pre).status, 403);
}

TEST_F(ServerFixture, StateChangingCallsNeedPostAndJson) {
    start();
    json body = {{"algorithm", "sha256"},
                 {"digest", server::base64Encode(sha256("x"))},
                 {"certificate", certificateRef()}};
    // A "simple" cross-site form post (no preflight in browsers) is refused.
    for (std::string type : {"text/plain", "application/x-www-form-urlencoded",
                             "multipart/form-data; boundary=x"}) {
        auto a = post("/api/v1/sign/hash", body.dump(),
                      {std::string("Origin: ") + kAllowedOrigin, "Content-Type: " + type});
        EXPECT_EQ(a.status, 415) << type;
        EXPECT_EQ(errorCode(a), "UNSUPPORTED_MEDIA_TYPE");
    }
    auto g = get("/api/v1/sign/hash");
    EXPECT_EQ(g.status, 405);
    EXPECT_EQ(errorCode(g), "METHOD_NOT_ALLOWED");
    EXPECT_EQ(get("/api/v1/nothing").status, 404);
    EXPECT_TRUE(consent->seen.empty());
}

TEST_F(ServerFixture, OversizedAndMalformedBodiesGetStableErrors) {
    server::ServerOptions o;
    o.max_body_bytes = 64 * 1024;
    o.max_small_body_bytes = 4 * 1024;
    start(o);
    std::string big(100 * 1024, 'A');
    auto a = post("/api/v1/sign/pdf", "{\"pdf\":\"" + big + "\"}");
    EXPECT_EQ(a.status, 413);
    EXPECT_EQ(errorCode(a), "PAYLOAD_TOO_LARGE");
    auto small = post("/api/v1/sign/hash", "{\"digest\":\"" + std::string(8 * 1024, 'A') + "\"}");
    EXPECT_EQ(small.status, 413);

    auto m = post("/api/v1/sign/hash", "{\"algorithm\": ");
    EXPECT_EQ(m.status, 400);
    EXPECT_EQ(errorCode(m), "MALFORMED_JSON");
    EXPECT_EQ(post("/api/v1/sign/hash", "[1,2]").status, 400);
    auto f = post("/api/v1/sign/hash",
                  json({{"algorithm", "sha256"}, {"digest", "not base64!"}}).dump());
    EXPECT_EQ(f.status, 422);
    EXPECT_EQ(errorCode(f), "INVALID_FIELD");
    EXPECT_EQ(json::parse(f.body)["error"]["field"], "digest");
    auto w = post("/api/v1/sign/hash",
                  json({{"algorithm", "md5"}, {"digest", "AAAA"}}).dump());
    EXPECT_EQ(w.status, 422);
    auto u = post("/api/v1/sign/hash", json({{"algorithm", "sha256"},
                                             {"digest", server::base64Encode(sha256("x"))},
                                             {"certificate", {{"token", "nope"}, {"id", "a1"}}}})
                                           .dump());
    EXPECT_EQ(u.status, 404);
    EXPECT_EQ(errorCode(u), "TOKEN_NOT_FOUND");
    EXPECT_TRUE(consent->seen.empty());
    // The server still works afterwards.
    EXPECT_EQ(get("/api/v1/status").status, 200);
}

TEST_F(ServerFixture, CertificatesListsTheTokenCertificateWithoutAnyKey) {
    start();
    auto a = get("/api/v1/certificates");
    ASSERT_EQ(a.status, 200) << a.body;
    auto j = json::parse(a.body);
    ASSERT_EQ(j["certificates"].size(), 1u);
    auto c = j["certificates"][0];
    EXPECT_EQ(c["id"], "a1");
    EXPECT_EQ(c["token"], token->serial);
    EXPECT_TRUE(c["qualified"].get<bool>());
    EXPECT_NE(c["subject"].get<std::string>().find("Ion Popescu"), std::string::npos);
    EXPECT_EQ(a.body.find("PRIVATE KEY"), std::string::npos);
}

TEST_F(ServerFixture, SignHashAsksConsentWithOriginAndReturnsAVerifiableCms) {
    start();
    const std::string document = "Declarație de reînnoire\n";
    auto digest = sha256(document);
    json body = {{"algorithm", "sha256"},
                 {"digest", server::base64Encode(digest)},
                 {"description", "Declarație\x01 reînnoire"},
                 {"certificate", certificateRef()}};
    auto a = post("/api/v1/sign/hash", body.dump());
    ASSERT_EQ(a.status, 200) << a.body;
    ASSERT_EQ(consent->seen.size(), 1u);
    const auto& seen = consent->seen[0];
    EXPECT_EQ(seen.origin, kAllowedOrigin);
    EXPECT_EQ(seen.kind, server::SignKind::Hash);
    EXPECT_EQ(seen.claimed_description, "Declarație reînnoire");  // control character dropped
    EXPECT_EQ(seen.certificate_id_hex, "a1");
    EXPECT_EQ(seen.token.serial, token->serial);

    auto j = json::parse(a.body);
    EXPECT_EQ(j["format"], "cms");
    auto cms = server::base64Decode(j["signature"].get<std::string>());
    ASSERT_TRUE(cms);
    auto store = signing::makeTrustStore({hsm.caCertFile()});
    auto result = signing::verifyCadesDetached(*cms, bytesOf(document), store.get());
    ASSERT_EQ(result.signatures.size(), 1u);
    EXPECT_EQ(result.signatures[0].status, pdf::SignatureStatus::Valid)
        << result.signatures[0].message;
    EXPECT_TRUE(result.signatures[0].qualified);
    // A different document does not match that signature.
    auto other = signing::verifyCadesDetached(*cms, bytesOf("altceva"), store.get());
    EXPECT_EQ(other.signatures[0].status, pdf::SignatureStatus::Modified);
}

TEST_F(ServerFixture, SignPdfReturnsAPadesSignatureThatVerifies) {
    start();
    auto input = dir / "declaratie.pdf";
    pdf::makeSimplePdf(input, {"Declarație", {"Subsemnatul declar pe propria răspundere."}});
    auto bytes = readFile(input);
    json body = {{"pdf", server::base64Encode(bytesOf(bytes))},
                 {"document_name", "declaratie.pdf"},
                 {"reason", "Reînnoire"},
                 {"certificate", certificateRef()}};
    auto a = post("/api/v1/sign/pdf", body.dump());
    ASSERT_EQ(a.status, 200) << a.body;
    ASSERT_EQ(consent->seen.size(), 1u);
    EXPECT_EQ(consent->seen[0].kind, server::SignKind::Pdf);
    EXPECT_EQ(consent->seen[0].claimed_document_name, "declaratie.pdf");
    EXPECT_EQ(consent->seen[0].document_size, bytes.size());
    EXPECT_FALSE(std::filesystem::exists(consent->seen[0].document_file));  // removed after

    auto signed_pdf = server::base64Decode(json::parse(a.body)["pdf"].get<std::string>());
    ASSERT_TRUE(signed_pdf);
    auto out = dir / "signed.pdf";
    writeFile(out, std::string(signed_pdf->begin(), signed_pdf->end()));
    auto store = signing::makeTrustStore({hsm.caCertFile()});
    auto result = signing::verifyPdfFile(out, store.get());
    ASSERT_EQ(result.signatures.size(), 1u);
    EXPECT_EQ(result.signatures[0].status, pdf::SignatureStatus::Valid)
        << result.signatures[0].message;

    // And the server's own verify endpoint agrees; a tampered copy is reported modified.
    auto v = post("/api/v1/verify", json({{"pdf", server::base64Encode(*signed_pdf)}}).dump());
    ASSERT_EQ(v.status, 200) << v.body;
    // Intact and trusted, but the test CA publishes no revocation service: not PASSED.
    auto vj = json::parse(v.body);
    EXPECT_EQ(vj["signatures"][0]["status"], "valid") << v.body;
    EXPECT_EQ(vj["indication"], "INDETERMINATE") << v.body;
    EXPECT_EQ(vj["sub_indication"], "TRY_LATER") << v.body;
    EXPECT_FALSE(vj["valid"].get<bool>());
    auto tampered = *signed_pdf;
    auto pos = std::string(tampered.begin(), tampered.end()).find("/Type");
    ASSERT_NE(pos, std::string::npos);
    tampered[pos + 1] = 't';  // a byte inside the signed range
    auto t = post("/api/v1/verify", json({{"pdf", server::base64Encode(tampered)}}).dump());
    ASSERT_EQ(t.status, 200) << t.body;
    EXPECT_FALSE(json::parse(t.body)["valid"].get<bool>());
    EXPECT_EQ(json::parse(t.body)["indication"], "TOTAL-FAILED");
}

TEST_F(ServerFixture, ABrokenPdfIsRefusedBeforeConsentAndPinWithoutAPath) {
    start();
    // Starts like a PDF, but has no objects, no cross-reference table and no trailer.
    std::string broken = "%PDF-1.7\n%\xe2\xe3\xcf\xd3\nthis is not a document\n";
    for (int i = 0; i < 200; ++i) broken += "garbage " + std::to_string(i) + "\n";
    json body = {{"pdf", server::base64Encode(bytesOf(broken))},
                 {"document_name", "declaratie.pdf"},
                 {"certificate", certificateRef()}};
    auto a = post("/api/v1/sign/pdf", body.dump());
    EXPECT_EQ(a.status, 422) << a.body;
    EXPECT_EQ(errorCode(a), "INVALID_DOCUMENT") << a.body;
    auto message = json::parse(a.body)["error"]["message"].get<std::string>();
    EXPECT_NE(message.find("not a PDF that can be read"), std::string::npos) << message;
    // No private temporary path reaches the page.
    EXPECT_EQ(message.find("/tmp"), std::string::npos) << message;
    EXPECT_EQ(message.find("certagent-server-"), std::string::npos) << message;
    EXPECT_EQ(message.find("in.pdf"), std::string::npos) << message;
    // Nobody was asked, so no PIN and no login.
    EXPECT_TRUE(consent->seen.empty());
}

TEST_F(ServerFixture, RefusedConsentSignsNothingAndWrongPinIsReported) {
    start();
    json body = {{"algorithm", "sha256"},
                 {"digest", server::base64Encode(sha256("x"))},
                 {"certificate", certificateRef()}};
    consent->grant = false;
    auto a = post("/api/v1/sign/hash", body.dump());
    EXPECT_EQ(a.status, 403);
    EXPECT_EQ(errorCode(a), "CONSENT_DENIED");
    EXPECT_FALSE(json::parse(a.body).contains("signature"));
    consent->grant = true;
    consent->pin = "000000";
    auto b = post("/api/v1/sign/hash", body.dump());
    EXPECT_EQ(b.status, 403);
    EXPECT_EQ(errorCode(b), "PIN_INCORRECT");
}

TEST_F(ServerFixture, ConcurrentRequestsAreServedOrRefusedWith503) {
    server::ServerOptions o;
    o.max_concurrent = 2;
    start(o);
    // Many status requests at once: each is answered (200, or 503 when over the limit).
    std::vector<std::future<HttpAnswer>> probes;
    for (int i = 0; i < 12; ++i)
        probes.push_back(std::async(std::launch::async, [&] { return get("/api/v1/status"); }));
    int ok = 0;
    for (auto& f : probes) {
        auto a = f.get();
        EXPECT_TRUE(a.status == 200 || a.status == 503) << a.status << a.error;
        ok += a.status == 200;
    }
    EXPECT_GT(ok, 0);
    // Two signatures at once: the second finds the consent busy and gets 503 at once.
    consent->delay_ms = 1500;
    json body = {{"algorithm", "sha256"},
                 {"digest", server::base64Encode(sha256("x"))},
                 {"certificate", certificateRef()}};
    auto first = std::async(std::launch::async, [&] { return post("/api/v1/sign/hash", body.dump()); });
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    auto second = post("/api/v1/sign/hash", body.dump());
    EXPECT_EQ(second.status, 503);
    EXPECT_EQ(errorCode(second), "BUSY");
    EXPECT_EQ(first.get().status, 200);
}

TEST_F(ServerFixture, NothingListensBeyondLoopback) {
    start();
    auto ips = runProcess({"hostname", "-I"});
    std::istringstream in(ips.out);
    std::string ip;
    int tried = 0;
    while (in >> ip) {
        if (ip.rfind("127.", 0) == 0 || ip == "::1") continue;
        std::string host = ip.find(':') != std::string::npos ? "[" + ip + "]" : ip;
        auto a = curl({"GET", "http://" + host + ":" + std::to_string(server->port()) +
                                  "/api/v1/status",
                       {}, {}, {"--connect-timeout", "3"}});
        EXPECT_EQ(a.status, 0) << ip;
        ++tried;
    }
    // Every listening socket on the port has a loopback local address (4th column of ss).
    auto ss = runProcess({"ss", "-Htln", "sport = :" + std::to_string(server->port())});
    if (ss.exit_code == 0) {
        std::istringstream lines(ss.out);
        std::string line;
        while (std::getline(lines, line)) {
            std::istringstream fields(line);
            std::string state, recv_q, send_q, local;
            fields >> state >> recv_q >> send_q >> local;
            EXPECT_TRUE(local.rfind("127.0.0.1:", 0) == 0 || local.rfind("[::1]:", 0) == 0)
                << line;
        }
    }
    RecordProperty("non_loopback_addresses_tried", tried);
}

// KNOWN FAILING (disabled, see docs/local-server-api.md "Known gaps"): with Debian's
// cpp-httplib 0.11.4 a chunked POST reaches the handler instead of getting 411 from the
// pre-routing check. The body is still bounded by the handler's size check.
TEST_F(ServerFixture, ChunkedBodiesWithoutContentLengthAreRefused) {
    server::ServerOptions o;
    o.max_body_bytes = 64 * 1024;
    start(o);
    std::string big(100 * 1024, 'A');
    // curl waits for "100 Continue" before a chunked body: the refusal comes instead.
    auto c = curl({"POST", base + "/api/v1/verify",
                   {std::string("Origin: ") + kAllowedOrigin, "Content-Type: application/json",
                    "Transfer-Encoding: chunked"},
                   "{\"pdf\":\"" + big + "\"}", {}});
    EXPECT_EQ(c.status, 411) << c.body;
    EXPECT_EQ(errorCode(c), "LENGTH_REQUIRED");
    // Without "Expect:" the body follows the headers at once; it is still refused, unread.
    auto d = curl({"POST", base + "/api/v1/verify",
                   {std::string("Origin: ") + kAllowedOrigin, "Content-Type: application/json",
                    "Transfer-Encoding: chunked", "Expect:"},
                   "{\"pdf\":\"" + big + "\"}", {}});
    EXPECT_EQ(d.status, 411) << d.body;
    EXPECT_EQ(errorCode(d), "LENGTH_REQUIRED");
    // A refused origin with a large body is refused before the body too.
    auto e = curl({"POST", base + "/api/v1/verify",
                   {"Origin: https://evil.example", "Content-Type: application/json"},
                   "{\"pdf\":\"" + big + "\"}", {}});
    EXPECT_EQ(e.status, 403) << e.body;
    EXPECT_EQ(errorCode(e), "ORIGIN_NOT_ALLOWED");
    // And the server still answers afterwards.
    EXPECT_EQ(curl({"GET", base + "/api/v1/status", {}, "", {}}).status, 200);
}

// Issue #22: one object nested 20,000 dictionaries deep used to kill the daemon (PoDoFo's
// recursion), 800 deep cost seconds of CPU per request. The document limits refuse both with a
// message that says why and names no temporary file; the server keeps answering.
TEST_F(ServerFixture, CraftedPdfsAreRefusedWithTheReasonAndTheServerStaysUp) {
    start();
    auto nested = [](int depth) {
        std::string body;
        for (int i = 0; i < depth; ++i) body += "<< /A ";
        body += "1";
        for (int i = 0; i < depth; ++i) body += " >>";
        return "%PDF-1.4\n1 0 obj\n" + body + "\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";
    };
    for (int depth : {800, 20000}) {
        const std::string pdf = nested(depth);
        auto r = post("/api/v1/verify",
                      json({{"pdf", server::base64Encode(std::vector<uint8_t>(pdf.begin(), pdf.end()))}})
                          .dump());
        EXPECT_EQ(r.status, 422) << r.body;
        const auto message = json::parse(r.body)["error"]["message"].get<std::string>();
        EXPECT_NE(message.find("nested more than 64 levels"), std::string::npos) << message;
        EXPECT_EQ(message.find("in.pdf"), std::string::npos) << message;
        EXPECT_EQ(message.find("/tmp"), std::string::npos) << message;
    }
    EXPECT_EQ(get("/api/v1/status").status, 200);
}
