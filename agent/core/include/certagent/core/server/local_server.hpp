#pragma once
// The local signing server (docs/local-server-api.md): what web portals such as the CA's call to
// have a document signed with the user's token. It listens on 127.0.0.1 and ::1 only, checks
// Host and Origin on every request, bounds bodies, time and concurrency, and signs nothing
// without the Consent's answer. No endpoint returns a key or accepts a PIN.
//
//   LocalServer server(options, services);
//   server.start();          // binds, serves on its own threads; throws Error(Io) if it cannot
//   server.port();           // the bound port (options.port, or the free one picked for 0)
//   server.stop();           // also in the destructor
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "certagent/core/pdf/ossl_ptr.hpp"
#include "certagent/core/server/consent.hpp"
#include "certagent/core/signing/revocation.hpp"
#include "certagent/core/token/token_service.hpp"

namespace certagent {
class Agent;
}

namespace certagent::server {

struct ServerOptions {
    int port = 15000;  // 0: any free port (tests)
    std::vector<std::string> allowed_origins;
    std::size_t max_body_bytes = 20 * 1024 * 1024;  // sign/pdf and verify
    std::size_t max_small_body_bytes = 64 * 1024;   // every other endpoint
    int max_concurrent = 4;                         // requests in handlers at once; more: 503
    int max_large_bodies = 2;                       // sign/pdf and verify among them
    int io_timeout_seconds = 15;                    // read and write timeouts per request
    int keep_alive_seconds = 5;
    // Limits against clients that send too much or too slowly (docs/local-server-api.md,
    // "Limits"). The status probe is not counted in max_concurrent.
    std::size_t max_header_bytes = 16 * 1024;  // request line and headers
    int max_header_lines = 100;                // header lines
    int header_timeout_ms = 5000;              // headers complete within this after connecting
    int request_timeout_seconds = 30;          // the whole request, body included
    int max_connections = 64;                  // open at once, in all
    int max_connections_per_client = 16;       // open at once from one address
};

// What the server works with; the daemon and the tray app build it from an Agent.
struct ServerServices {
    std::shared_ptr<token::TokenService> tokens;
    std::shared_ptr<Consent> consent;
    // Issuer certificates to embed in signatures (PEM text; may be empty).
    std::string chain_pem;
    // Trust anchors for POST /api/v1/verify, built per request (the trusted list may change).
    std::function<pdf::X509StorePtr()> trust_store;
    // Revocation checks for POST /api/v1/verify ([verify] revocation, the state folder's
    // cache); empty: online, without a cache.
    std::function<signing::RevocationSettings()> revocation;
    std::string version;  // reported by /api/v1/status
};

class LocalServer {
public:
    LocalServer(ServerOptions options, ServerServices services);
    ~LocalServer();
    LocalServer(const LocalServer&) = delete;
    LocalServer& operator=(const LocalServer&) = delete;

    void start();
    void stop();
    int port() const;
    // Whether ::1 could be bound as well (false on hosts without IPv6).
    bool listensOnIpv6() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Options and services from the agent's config: [server] keys, the token service,
// [renewal] ca_bundle for chains, [verify] trust anchors; consent from consentFromConfig().
ServerOptions serverOptions(const config::Config& config);
ServerServices serverServices(Agent& agent, std::shared_ptr<Consent> consent);

}  // namespace certagent::server
