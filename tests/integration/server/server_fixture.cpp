#include "server_fixture.hpp"

#include "certagent/core/token/token_service.hpp"

namespace certagent::testing {

void ServerFixture::SetUp() {
    hsm.activate();
    token = &hsm.createToken("Semnatura", kPin);
    TestCertSpec spec;
    spec.commonName = "Ion Popescu";
    spec.idHex = "a1";
    spec.qualified = true;
    cert = hsm.addCertificate(*token, spec);
}

void ServerFixture::start(server::ServerOptions options) {
    options.port = 0;
    if (options.allowed_origins.empty()) options.allowed_origins = {kAllowedOrigin};
    server::ServerServices services;
    services.tokens = std::make_shared<token::TokenService>(std::vector<token::ModuleSpec>{
        {SoftHsm::modulePath(), "", token::ModuleSource::Caller}});
    services.consent = consent;
    services.chain_pem = hsm.caCertPem();
    auto ca = hsm.caCertFile();
    services.trust_store = [ca] { return signing::makeTrustStore({ca}); };
    services.version = "test";
    server = std::make_unique<server::LocalServer>(options, services);
    server->start();
    base = "http://127.0.0.1:" + std::to_string(server->port());
}

HttpAnswer ServerFixture::get(const std::string& path, std::vector<std::string> headers) {
    return curl({"GET", base + path, std::move(headers), {}, {}});
}

HttpAnswer ServerFixture::post(const std::string& path, const std::string& body,
                               std::vector<std::string> headers) {
    return curl({"POST", base + path, std::move(headers), body, {}});
}

}  // namespace certagent::testing
