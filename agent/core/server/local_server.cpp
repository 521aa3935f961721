// The transport of the local signing server: two cpp-httplib servers (127.0.0.1 and ::1) whose
// pre-routing handler enforces the security model before any body is read:
//   Host (DNS rebinding) -> Origin -> CORS preflight -> method and path -> content type and
//   declared size; then the handler runs under a concurrency limit.
// Connections are not kept alive: a refused request's unread body can never be taken for the
// next request, and loopback connections are cheap.
#include "certagent/core/server/local_server.hpp"

#include <httplib.h>
#include <fmt/format.h>

#include <atomic>
#include <fstream>
#include <map>
#include <thread>

#include "api_error.hpp"
#include "api_routes.hpp"
#include "certagent/core/agent.hpp"
#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"
#include "certagent/core/server/request_policy.hpp"
#include "certagent/core/signing/verify.hpp"
#include "certagent/core/token/agent_tokens.hpp"

namespace certagent::server {
using json = nlohmann::json;

namespace {

enum class Size { Small, Large };
struct Endpoint {
    const char* method;
    Size body;
};
const std::map<std::string, Endpoint>& endpoints() {
    static const std::map<std::string, Endpoint> list = {
        {"/api/v1/status", {"GET", Size::Small}},
        {"/api/v1/certificates", {"GET", Size::Small}},
        {"/api/v1/sign/pdf", {"POST", Size::Large}},
        {"/api/v1/sign/hash", {"POST", Size::Small}},
        {"/api/v1/verify", {"POST", Size::Large}},
    };
    return list;
}

void sendError(httplib::Response& res, const ApiError& e) {
    res.status = e.status;
    res.set_content(e.toJson().dump(), "application/json");
}

}  // namespace

struct LocalServer::Impl {
    ServerOptions options;
    ServerServices services;
    ApiRoutes routes{services};
    httplib::Server v4, v6;
    std::thread t4, t6;
    int port = 0;
    bool ipv6 = false;
    bool running = false;
    std::atomic<int> in_flight{0};

    Impl(ServerOptions o, ServerServices s) : options(std::move(o)), services(std::move(s)) {}

    // Runs before the body is read; returns Handled to answer (refuse) right away.
    httplib::Server::HandlerResponse check(const httplib::Request& req, httplib::Response& res) {
        try {
            if (!hostAllowed(req.get_header_value("Host"), port))
                throw ApiError(403, "HOST_NOT_ALLOWED",
                               _("the request's Host is not this computer's local server"));
            const bool has_origin = req.has_header("Origin");
            const std::string origin = req.get_header_value("Origin");
            if (has_origin && !originAllowed(origin, options.allowed_origins)) {
                log::warn("server", "refused a request from origin {}", log::escape(origin));
                throw ApiError(403, "ORIGIN_NOT_ALLOWED",
                               _("this web site is not allowed to use the local signing server"));
            }
            auto endpoint = endpoints().find(req.path);
            if (req.method == "OPTIONS") {
                if (!has_origin || !req.has_header("Access-Control-Request-Method"))
                    throw ApiError(405, "METHOD_NOT_ALLOWED", _("this method is not allowed"));
                PreflightRequest pre{origin, req.get_header_value("Access-Control-Request-Method"),
                                     req.get_header_value("Access-Control-Request-Headers"),
                                     req.get_header_value("Access-Control-Request-Private-Network") == "true",
                                     req.get_header_value("Access-Control-Request-Local-Network") == "true"};
                auto answer = answerPreflight(pre, options.allowed_origins);
                if (endpoint == endpoints().end() || pre.method != endpoint->second.method)
                    answer.allowed = false;
                if (!answer.allowed)
                    throw ApiError(403, "PREFLIGHT_REFUSED",
                                   _("the cross-origin request is not allowed"));
                for (const auto& [k, v] : answer.headers) res.set_header(k, v);
                res.status = 204;
                return httplib::Server::HandlerResponse::Handled;
            }
            if (endpoint == endpoints().end())
                throw ApiError(404, "NOT_FOUND", _("there is no such endpoint"));
            if (req.method != endpoint->second.method)
                throw ApiError(405, "METHOD_NOT_ALLOWED", _("this method is not allowed"));
            // Browsers always send Origin on POST and on cross-origin fetches; only a plain
            // status check (a local tool, a health probe) may come without one.
            if (!has_origin && req.path != "/api/v1/status")
                throw ApiError(403, "ORIGIN_REQUIRED", _("the request has no Origin header"));
            if (req.method == "POST") {
                if (!isJsonContentType(req.get_header_value("Content-Type")))
                    throw ApiError(415, "UNSUPPORTED_MEDIA_TYPE",
                                   _("the request body must be application/json"));
                const std::size_t limit = endpoint->second.body == Size::Large
                                              ? options.max_body_bytes
                                              : options.max_small_body_bytes;
                // Browsers always send Content-Length; a chunked body could not be bounded
                // before it is read (cpp-httplib reads it whole), so it is refused.
                if (!req.has_header("Content-Length") || req.has_header("Transfer-Encoding"))
                    throw ApiError(411, "LENGTH_REQUIRED",
                                   _("the request must give its body's Content-Length"));
                {
                    const auto length = req.get_header_value("Content-Length");
                    std::size_t n = 0;
                    try {
                        n = std::stoull(length);
                    } catch (const std::exception&) {
                        throw ApiError(400, "BAD_REQUEST", _("bad Content-Length"));
                    }
                    if (n > limit)
                        throw ApiError(413, "PAYLOAD_TOO_LARGE", _("the request body is too large"));
                }
            }
        } catch (const ApiError& e) {
            sendError(res, e);
            return httplib::Server::HandlerResponse::Handled;
        }
        return httplib::Server::HandlerResponse::Unhandled;
    }

    // The handler part, after the body was read (bounded by payload_max_length).
    void handle(const httplib::Request& req, httplib::Response& res,
                const std::function<json(const json&)>& run) {
        struct Slot {
            std::atomic<int>& n;
            ~Slot() { --n; }
        };
        Slot slot{in_flight};
        try {
            if (++in_flight > options.max_concurrent)
                throw ApiError(503, "BUSY", _("the local server is busy; try again later"));
            json body;
            if (req.method == "POST") {
                auto it = endpoints().find(req.path);
                // Chunked bodies carry no Content-Length: check what was read.
                const std::size_t limit = it->second.body == Size::Small
                                              ? options.max_small_body_bytes
                                              : options.max_body_bytes;
                if (req.body.size() > limit)
                    throw ApiError(413, "PAYLOAD_TOO_LARGE", _("the request body is too large"));
                body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
                if (body.is_discarded())
                    throw ApiError(400, "MALFORMED_JSON", _("the request body is not valid JSON"));
                if (!body.is_object())
                    throw ApiError(400, "MALFORMED_JSON", _("the request body must be a JSON object"));
            }
            res.set_content(run(body).dump(), "application/json");
            res.status = 200;
        } catch (const ApiError& e) {
            sendError(res, e);
        } catch (const Error& e) {
            log::error("server", "{} failed: {}", log::escape(req.path), describe(e));
            sendError(res, ApiError(500, "INTERNAL", describe(e)));
        } catch (const std::exception& e) {
            log::error("server", "{} failed: {}", log::escape(req.path), e.what());
            sendError(res, ApiError(500, "INTERNAL", _("internal error")));
        }
    }

    void configure(httplib::Server& s) {
        const int threads = options.max_concurrent * 2 + 2;
        s.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
        s.set_payload_max_length(options.max_body_bytes);
        s.set_read_timeout(options.io_timeout_seconds, 0);
        s.set_write_timeout(options.io_timeout_seconds, 0);
        s.set_keep_alive_max_count(1);
        s.set_keep_alive_timeout(options.keep_alive_seconds);
        s.set_tcp_nodelay(true);
        s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
            return check(req, res);
        });
        // A client that waits for "100 Continue" before sending its body (curl does for large
        // and for chunked bodies) gets the refusal instead, so the body is never sent.
        s.set_expect_100_continue_handler(
            [this](const httplib::Request& req, httplib::Response& res) {
                if (check(req, res) == httplib::Server::HandlerResponse::Handled) return res.status;
                return 100;
            });
        // CORS on every answer to an allowed origin (the others were refused above).
        s.set_post_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
            res.set_header("Cache-Control", "no-store");
            res.set_header("X-Content-Type-Options", "nosniff");
            if (req.method == "OPTIONS") return;
            auto origin = req.get_header_value("Origin");
            if (!origin.empty() && originAllowed(origin, options.allowed_origins)) {
                res.set_header("Access-Control-Allow-Origin", *canonicalOrigin(origin));
                res.set_header("Vary", "Origin");
            }
        });
        // Errors httplib itself produces (413 while reading, 400 bad request line, ...).
        httplib::Server::HandlerWithResponse on_error = [](const httplib::Request&,
                                                           httplib::Response& res) {
            if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
            if (res.status == 413)
                sendError(res, ApiError(413, "PAYLOAD_TOO_LARGE", _("the request body is too large")));
            else if (res.status == 404)
                sendError(res, ApiError(404, "NOT_FOUND", _("there is no such endpoint")));
            else
                sendError(res, ApiError(res.status, "BAD_REQUEST", _("the request is not valid HTTP")));
            return httplib::Server::HandlerResponse::Handled;
        };
        s.set_error_handler(on_error);
        s.Get("/api/v1/status", [this](const httplib::Request& req, httplib::Response& res) {
            handle(req, res, [this](const json&) { return routes.status(); });
        });
        s.Get("/api/v1/certificates", [this](const httplib::Request& req, httplib::Response& res) {
            handle(req, res, [this](const json&) { return routes.certificates(); });
        });
        s.Post("/api/v1/sign/pdf", [this](const httplib::Request& req, httplib::Response& res) {
            auto origin = *canonicalOrigin(req.get_header_value("Origin"));
            handle(req, res, [&](const json& b) { return routes.signPdf(origin, b); });
        });
        s.Post("/api/v1/sign/hash", [this](const httplib::Request& req, httplib::Response& res) {
            auto origin = *canonicalOrigin(req.get_header_value("Origin"));
            handle(req, res, [&](const json& b) { return routes.signHash(origin, b); });
        });
        s.Post("/api/v1/verify", [this](const httplib::Request& req, httplib::Response& res) {
            handle(req, res, [this](const json& b) { return routes.verify(b); });
        });
    }
};

LocalServer::LocalServer(ServerOptions options, ServerServices services)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(services))) {}

LocalServer::~LocalServer() { stop(); }

void LocalServer::start() {
    auto& i = *impl_;
    if (i.running) return;
    if (!i.services.tokens)
        throw Error(ErrorKind::Internal, "local server started without a token service");
    i.configure(i.v4);
    i.configure(i.v6);
    // Loopback only, by construction: the addresses are constants, never configuration.
    if (i.options.port == 0) {
        i.port = i.v4.bind_to_any_port(kLoopbackV4);
    } else {
        i.port = i.v4.bind_to_port(kLoopbackV4, i.options.port) ? i.options.port : -1;
    }
    if (i.port <= 0)
        throw Error(ErrorKind::Io,
                    fmt::format(fmt::runtime(_("the local server cannot listen on port {0} (is "
                                               "another program using it?)")),
                                i.options.port),
                    "127.0.0.1");
    i.ipv6 = i.v6.bind_to_port(kLoopbackV6, i.port);
    if (!i.ipv6) log::warn("server", "cannot listen on [::1]:{}; IPv4 loopback only", i.port);
    i.t4 = std::thread([&i] { i.v4.listen_after_bind(); });
    if (i.ipv6) i.t6 = std::thread([&i] { i.v6.listen_after_bind(); });
    i.running = true;
    log::info("server", "local signing server listening on 127.0.0.1:{}{} (consent: {})", i.port,
              i.ipv6 ? fmt::format(" and [::1]:{}", i.port) : "",
              i.services.consent ? i.services.consent->name() : "refuse");
}

void LocalServer::stop() {
    auto& i = *impl_;
    if (!i.running) return;
    i.v4.stop();
    i.v6.stop();
    if (i.t4.joinable()) i.t4.join();
    if (i.t6.joinable()) i.t6.join();
    i.running = false;
    log::info("server", "local signing server stopped");
}

int LocalServer::port() const { return impl_->port; }
bool LocalServer::listensOnIpv6() const { return impl_->ipv6; }

ServerOptions serverOptions(const config::Config& config) {
    ServerOptions o;
    o.port = static_cast<int>(config.getInt("server.port"));
    o.allowed_origins = config.getStrings("server.allowed_origins");
    o.max_concurrent = static_cast<int>(config.getInt("server.max_concurrent"));
    o.max_body_bytes = static_cast<std::size_t>(config.getInt("server.max_body_mb")) << 20;
    return o;
}

ServerServices serverServices(Agent& agent, std::shared_ptr<Consent> consent) {
    ServerServices s;
    s.tokens = std::shared_ptr<token::TokenService>(token::makeTokenService(agent));
    s.consent = std::move(consent);
    auto bundle = agent.config().getString("renewal.ca_bundle");
    if (!bundle.empty()) {
        std::ifstream in(bundle, std::ios::binary);
        s.chain_pem.assign(std::istreambuf_iterator<char>(in), {});
    }
    const config::Config* config = &agent.config();
    auto state_dir = agent.stateDir();
    s.trust_store = [config, state_dir] { return signing::trustStoreFromConfig(*config, state_dir); };
#ifdef CERTAGENT_VERSION
    s.version = CERTAGENT_VERSION;
#endif
    return s;
}

}  // namespace certagent::server
