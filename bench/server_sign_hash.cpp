// Median latency of POST /api/v1/sign/hash with consent pre-granted (a consent that answers at
// once with the PIN, as the test consent does) against a direct PKCS#11 signature with the same
// SoftHSM2 key, in the same run. Prints both medians and the ratio.
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "certagent/core/server/base64.hpp"
#include "certagent/core/server/local_server.hpp"
#include "certagent/core/signing/token_signer.hpp"
#include "certagent/core/signing/verify.hpp"
#include "softhsm.hpp"

using namespace certagent;
using Clock = std::chrono::steady_clock;

namespace {

class GrantedConsent final : public server::Consent {
public:
    server::ConsentAnswer ask(const server::ConsentRequest&) override {
        server::ConsentAnswer a;
        a.granted = true;
        a.pin = SecretString("246810");
        return a;
    }
    std::string name() const override { return "pre-granted"; }
};

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

}  // namespace

int main(int argc, char** argv) {
    const int n = argc > 1 ? std::atoi(argv[1]) : 41;
    testing::SoftHsm hsm;
    hsm.activate();
    auto& token = hsm.createToken("Bench", "246810");
    testing::TestCertSpec spec;
    spec.idHex = "b1";
    spec.commonName = "Bench Signer";
    hsm.addCertificate(token, spec);  // EC P-256

    auto tokens = std::make_shared<token::TokenService>(std::vector<token::ModuleSpec>{
        {testing::SoftHsm::modulePath(), "", token::ModuleSource::Caller}});
    server::ServerOptions options;
    options.port = 0;
    options.allowed_origins = {"https://portal.example"};
    server::ServerServices services;
    services.tokens = tokens;
    services.consent = std::make_shared<GrantedConsent>();
    services.chain_pem = hsm.caCertPem();
    server::LocalServer srv(options, services);
    srv.start();

    std::vector<uint8_t> digest(32);
    unsigned int len = 0;
    EVP_Digest("bench", 5, digest.data(), &len, EVP_sha256(), nullptr);
    const std::string body = nlohmann::json{{"algorithm", "sha256"},
                                            {"digest", server::base64Encode(digest)},
                                            {"certificate", {{"token", token.serial}, {"id", "b1"}}}}
                                 .dump();
    httplib::Headers headers = {{"Origin", "https://portal.example"}};
    std::vector<double> via_server, direct, direct_with_login;
    for (int i = 0; i < n; ++i) {
        httplib::Client client("127.0.0.1", srv.port());
        auto t0 = Clock::now();
        auto res = client.Post("/api/v1/sign/hash", headers, body, "application/json");
        auto t1 = Clock::now();
        if (!res || res->status != 200) {
            std::fprintf(stderr, "request failed: %d %s\n", res ? res->status : 0,
                         res ? res->body.c_str() : "");
            return 1;
        }
        via_server.push_back(ms(t1 - t0));
    }
    {
        token::PinCallback pin = [](const token::PinRequest&) {
            return std::optional<SecretString>(SecretString("246810"));
        };
        for (int i = 0; i < n; ++i) {
            auto t0 = Clock::now();
            signing::TokenSigner signer(*tokens, token.serial, token::fromHex("b1"), pin);
            auto t1 = Clock::now();
            auto sig = signer.signDigest(NID_sha256, digest);
            auto t2 = Clock::now();
            direct.push_back(ms(t2 - t1));
            direct_with_login.push_back(ms(t2 - t0));
        }
    }
    srv.stop();
    const double s = median(via_server), d = median(direct), dl = median(direct_with_login);
    std::printf("sign-hash via local server (consent pre-granted), median of %d: %.3f ms\n", n, s);
    std::printf("direct PKCS#11 signature (same key, logged in), median:      %.3f ms\n", d);
    std::printf("direct incl. session + login + certificate lookup, median:   %.3f ms\n", dl);
    std::printf("ratio server / direct signature: %.1fx; server / direct with login: %.2fx\n",
                s / d, s / dl);
    return 0;
}
