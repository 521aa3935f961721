// The transport of the local signing server: cpp-httplib parses, routes and answers requests,
// but the connections are ours (connection_gate.hpp): the gate reads each request's head within
// size, line and time limits, caps connections per client and in all, hands complete heads to a
// worker, watches for clients that leave, and closes. On a worker, the pre-routing handler
// enforces the security model before any body is read:
//   Host (DNS rebinding) -> Origin -> CORS preflight -> method and path -> content type and
//   declared size; then the busy check (max_concurrent) before the body is read, and the
//   handler, which stops when the client has gone.
// Connections are not kept alive: a refused request's unread body can never be taken for the
// next request, and loopback connections are cheap.
#include "certagent/core/server/local_server.hpp"

#include <fmt/format.h>
#include <httplib.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <thread>
#include <vector>

#include "api_error.hpp"
#include "api_routes.hpp"
#include "certagent/core/agent.hpp"
#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"
#include "certagent/core/server/request_policy.hpp"
#include "certagent/core/signing/sign_document.hpp"
#include "certagent/core/signing/verify.hpp"
#include "certagent/core/token/agent_tokens.hpp"
#include "connection_gate.hpp"

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
        {"/api/v1/status", {"GET", Size::Small}},    {"/api/v1/certificates", {"GET", Size::Small}},
        {"/api/v1/sign/pdf", {"POST", Size::Large}}, {"/api/v1/sign/hash", {"POST", Size::Small}},
        {"/api/v1/verify", {"POST", Size::Large}},
    };
    return list;
}

void sendError(httplib::Response& res, const ApiError& e) {
    res.status = e.status;
    res.set_content(e.toJson().dump(), "application/json");
}

// The answers the gate sends itself, before any request reached cpp-httplib.
std::string gateAnswer(int status) {
    ApiError e =
        status == 408
            ? ApiError(408, "REQUEST_TIMEOUT", _("the request's headers did not arrive in time"))
        : status == 431 ? ApiError(431, "HEADERS_TOO_LARGE",
                                   _("the request's headers are too many or too large"))
                        : ApiError(503, "BUSY", _("the local server is busy; try again later"));
    const std::string body = e.toJson().dump();
    const char* reason = status == 408   ? "Request Timeout"
                         : status == 431 ? "Request Header Fields Too Large"
                                         : "Service Unavailable";
    return fmt::format(
        "HTTP/1.1 {} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n"
        "Connection: close\r\nCache-Control: no-store\r\n"
        "X-Content-Type-Options: nosniff\r\n\r\n{}",
        status, reason, body.size(), body);
}

// The connection a worker thread is serving (set around process_request), so handlers can
// tell whether its client has gone.
thread_local Connection* t_connection = nullptr;

std::function<bool()> clientGone() {
    if (t_connection) return t_connection->goneFlag();
    return [] { return false; };
}

// A request's bytes for cpp-httplib: the head the gate already read, then the socket; reads
// end at the request's deadline, each read and write also after io_timeout.
class GateStream final : public httplib::Stream {
  public:
    GateStream(Connection& c, std::chrono::milliseconds io_timeout)
        : c_(c), head_(c.takeHead()), io_(io_timeout) {}

    bool is_readable() const override {
        return pos_ < head_.size() || waitFor(platform::kReadable, true);
    }
    bool is_writable() const override { return waitFor(platform::kWritable, false); }

    ssize_t read(char* ptr, size_t size) override {
        if (pos_ < head_.size()) {
            const std::size_t n = std::min(size, head_.size() - pos_);
            std::memcpy(ptr, head_.data() + pos_, n);
            pos_ += n;
            if (pos_ == head_.size()) {
                std::string().swap(head_);
                pos_ = 0;
            }
            return static_cast<ssize_t>(n);
        }
        for (;;) {
            const long n = platform::receive(c_.fd(), ptr, size);
            if (n >= 0) return n;
            if (n != platform::kWouldBlock) return -1;
            if (!waitFor(platform::kReadable, true)) return -1;
        }
    }

    ssize_t write(const char* ptr, size_t size) override {
        for (;;) {
            const long n = platform::sendBytes(c_.fd(), ptr, size, /*dontWait=*/false);
            if (n >= 0) return n;
            if (n != platform::kWouldBlock) return -1;
            if (!waitFor(platform::kWritable, false)) return -1;
        }
    }

    void get_remote_ip_and_port(std::string& ip, int& port) const override {
        ip = c_.peerAddress();
        port = c_.peerPort();
    }
    void get_local_ip_and_port(std::string& ip, int& port) const override {
        ip = c_.localAddress();
        port = c_.localPort();
    }
    socket_t socket() const override { return c_.fd(); }

  private:
    // Reads also stop at the request's deadline: a body trickled slowly ends there.
    bool waitFor(short events, bool reading) const {
        for (;;) {
            auto wait = io_;
            if (reading) {
                auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    c_.deadline() - std::chrono::steady_clock::now());
                if (left.count() <= 0) return false;
                wait = std::min(wait, left);
            }
            std::vector<platform::PollEntry> p{{c_.fd(), events, 0}};
            const int r = platform::pollSockets(p, static_cast<int>(wait.count()));
            return r > 0 && (p[0].revents & (events | platform::kBroken));
        }
    }

    Connection& c_;
    std::string head_;
    std::size_t pos_ = 0;
    std::chrono::milliseconds io_;
};

// Runs what cpp-httplib's accept loop hands it right there (admitting is quick).
class InlineQueue final : public httplib::TaskQueue {
  public:
    void enqueue(std::function<void()> fn) override { fn(); }
    void shutdown() override {}
};

// cpp-httplib's parsing, routing and answers over connections the gate owns: its accept loop
// gives each socket to the gate, and a gate worker runs the request with serve().
class GatedServer final : public httplib::Server {
  public:
    explicit GatedServer(ConnectionGate& gate) : gate_(gate) {
        new_task_queue = [] { return new InlineQueue; };
    }
    void serve(Connection& c, std::chrono::milliseconds io_timeout) {
        GateStream stream(c, io_timeout);
        bool closed = false;
        t_connection = &c;
        process_request(stream, /*close_connection=*/true, closed, [](httplib::Request&) {});
        t_connection = nullptr;
    }
    // cpp-httplib listens with a backlog of 5; connections beyond it would wait for SYN retries.
    void raiseBacklog() { platform::listenBacklog(svr_sock_, 128); }

  private:
    bool process_and_close_socket(socket_t sock) override {
        gate_.admit(sock);
        return true;
    }
    ConnectionGate& gate_;
};

std::size_t declaredLength(const httplib::Request& req) {
    try {
        return static_cast<std::size_t>(std::stoull(req.get_header_value("Content-Length")));
    } catch (const std::exception&) {
        return 0;
    }
}

}  // namespace

struct LocalServer::Impl {
    ServerOptions options;
    ServerServices services;
    ApiRoutes routes{services};
    ConnectionGate gate;
    GatedServer v4{gate}, v6{gate};
    std::thread t4, t6;
    int port = 0;
    bool ipv6 = false;
    bool running = false;
    std::atomic<int> in_flight{0};        // requests past the busy check (status is not counted)
    std::atomic<int> large_in_flight{0};  // of them, sign/pdf and verify (large bodies)

    static GateLimits limitsFrom(const ServerOptions& o) {
        GateLimits l;
        l.max_head_bytes = o.max_header_bytes;
        l.max_head_lines = o.max_header_lines;
        l.head_timeout = std::chrono::milliseconds(o.header_timeout_ms);
        l.request_timeout = std::chrono::seconds(o.request_timeout_seconds);
        l.max_connections = o.max_connections;
        l.max_connections_per_client = o.max_connections_per_client;
        // Up to max_concurrent long requests, and room beside them for status, refusals and
        // quick calls.
        l.workers = o.max_concurrent + 4;
        // The status probe has a worker of its own: it answers whatever the others do.
        l.quick = [](const std::string& head) {
            return head.rfind("GET /api/v1/status ", 0) == 0 ||
                   head.rfind("GET /api/v1/status?", 0) == 0;
        };
        return l;
    }

    Impl(ServerOptions o, ServerServices s)
        : options(std::move(o)),
          services(std::move(s)),
          gate(
              limitsFrom(options),
              [this](Connection& c) {
                  v4.serve(c, std::chrono::seconds(options.io_timeout_seconds));
              },
              gateAnswer) {}

    // Endpoints whose requests count against max_concurrent (all but the status probe).
    static bool counted(const std::string& path) { return path != "/api/v1/status"; }
    static bool large(const std::string& path) {
        auto it = endpoints().find(path);
        return it != endpoints().end() && it->second.body == Size::Large;
    }
    bool busy(const std::string& path) const {
        if (!counted(path)) return false;
        if (in_flight.load() >= options.max_concurrent) return true;
        return large(path) && large_in_flight.load() >= options.max_large_bodies;
    }

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
                PreflightRequest pre{
                    origin, req.get_header_value("Access-Control-Request-Method"),
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
                        throw ApiError(413, "PAYLOAD_TOO_LARGE",
                                       _("the request body is too large"));
                }
            }
        } catch (const ApiError& e) {
            sendError(res, e);
            return httplib::Server::HandlerResponse::Handled;
        }
        return httplib::Server::HandlerResponse::Unhandled;
    }

    using Gone = std::function<bool()>;
    using Route = std::function<json(const httplib::Request&, const json&, const Gone& gone)>;

    // The handler part: the busy check first, then the body (read here, bounded by the
    // endpoint's limit and the request's deadline), then the route, which stops when the
    // client has gone.
    void handle(const httplib::Request& req, httplib::Response& res,
                const httplib::ContentReader* reader, const Route& run) {
        struct Slot {
            std::atomic<int>* n;
            ~Slot() {
                if (n) --*n;
            }
        };
        const bool count = counted(req.path);
        const bool big = count && large(req.path);
        Slot slot{count ? &in_flight : nullptr};
        Slot big_slot{big ? &large_in_flight : nullptr};
        const auto gone = clientGone();
        try {
            // Both counters are taken before either is checked; the slots give them back.
            const int now_running = count ? ++in_flight : 0;
            const int running_big = big ? ++large_in_flight : 0;
            if (now_running > options.max_concurrent || running_big > options.max_large_bodies)
                throw ApiError(503, "BUSY", _("the local server is busy; try again later"));
            json body;
            if (req.method == "POST") {
                auto it = endpoints().find(req.path);
                const std::size_t limit = it->second.body == Size::Small
                                              ? options.max_small_body_bytes
                                              : options.max_body_bytes;
                std::string raw;
                if (reader) {
                    bool over = false;
                    raw.reserve(std::min(declaredLength(req), limit));
                    const bool complete = (*reader)([&](const char* data, std::size_t n) {
                        if (raw.size() + n > limit) {
                            over = true;
                            return false;
                        }
                        raw.append(data, n);
                        return true;
                    });
                    if (over)
                        throw ApiError(413, "PAYLOAD_TOO_LARGE",
                                       _("the request body is too large"));
                    if (!complete)
                        throw ApiError(408, "REQUEST_TIMEOUT",
                                       _("the request body did not arrive completely in time"));
                }
                body = json::parse(raw, nullptr, /*allow_exceptions=*/false);
                std::string().swap(raw);  // the parsed copy is what the route reads
                if (body.is_discarded())
                    throw ApiError(400, "MALFORMED_JSON", _("the request body is not valid JSON"));
                if (!body.is_object())
                    throw ApiError(400, "MALFORMED_JSON",
                                   _("the request body must be a JSON object"));
            }
            res.set_content(run(req, body, gone).dump(), "application/json");
            res.status = 200;
        } catch (const ApiError& e) {
            sendError(res, e);
        } catch (const Error& e) {
            if (gone()) {
                sendError(res, ApiError(400, "CLIENT_GONE", _("the page closed the connection")));
            } else {
                log::error("server", "{} failed: {}", log::escape(req.path), describe(e));
                sendError(res, ApiError(500, "INTERNAL", describe(e)));
            }
        } catch (const std::exception& e) {
            log::error("server", "{} failed: {}", log::escape(req.path), e.what());
            sendError(res, ApiError(500, "INTERNAL", _("internal error")));
        }
        if (gone())
            log::info("server", "{}: the client left before the answer; its work was stopped",
                      req.path);
    }

    void configure(GatedServer& s) {
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
                if (busy(req.path)) {
                    sendError(
                        res, ApiError(503, "BUSY", _("the local server is busy; try again later")));
                    return 503;
                }
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
                sendError(res,
                          ApiError(413, "PAYLOAD_TOO_LARGE", _("the request body is too large")));
            else if (res.status == 404)
                sendError(res, ApiError(404, "NOT_FOUND", _("there is no such endpoint")));
            else
                sendError(res,
                          ApiError(res.status, "BAD_REQUEST", _("the request is not valid HTTP")));
            return httplib::Server::HandlerResponse::Handled;
        };
        s.set_error_handler(on_error);
        s.Get("/api/v1/status", [this](const httplib::Request& req, httplib::Response& res) {
            handle(req, res, nullptr, [this](const httplib::Request&, const json&, const Gone&) {
                return routes.status();
            });
        });
        s.Get("/api/v1/certificates", [this](const httplib::Request& req, httplib::Response& res) {
            handle(req, res, nullptr, [this](const httplib::Request&, const json&, const Gone&) {
                return routes.certificates();
            });
        });
        // POST routes twice: with a content reader (a body: read after the busy check) and
        // without (an empty body, which is malformed JSON).
        auto post = [this, &s](const char* path, Route route) {
            s.Post(path, [this, route](const httplib::Request& req, httplib::Response& res,
                                       const httplib::ContentReader& reader) {
                handle(req, res, &reader, route);
            });
            s.Post(path, [this, route](const httplib::Request& req, httplib::Response& res) {
                handle(req, res, nullptr, route);
            });
        };
        // The Origin was checked (allowed, canonical) before the handler runs.
        post("/api/v1/sign/pdf", [this](const httplib::Request& req, const json& b, const Gone& g) {
            return routes.signPdf(*canonicalOrigin(req.get_header_value("Origin")), b, g);
        });
        post("/api/v1/sign/hash",
             [this](const httplib::Request& req, const json& b, const Gone& g) {
                 return routes.signHash(*canonicalOrigin(req.get_header_value("Origin")), b, g);
             });
        post("/api/v1/verify", [this](const httplib::Request&, const json& b, const Gone& g) {
            return routes.verify(b, g);
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
    i.v4.raiseBacklog();
    if (i.ipv6) i.v6.raiseBacklog();
    i.gate.start();
    i.t4 = std::thread([&i] { i.v4.listen_after_bind(); });
    if (i.ipv6) i.t6 = std::thread([&i] { i.v6.listen_after_bind(); });
    // cpp-httplib's stop() does nothing before its accept loop runs, and the loop would then
    // run forever: a stop() right after start() (the tray's menu, tests) must find it running.
    for (int n = 0; n < 2000 && !(i.v4.is_running() && (!i.ipv6 || i.v6.is_running())); ++n)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
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
    i.gate.stop();  // running requests learn their clients are gone; sockets closed
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
    s.chain_pem = signing::chainCertificatesPem(agent.config());
    const config::Config* config = &agent.config();
    auto state_dir = agent.stateDir();
    s.trust_store = [config, state_dir] {
        return signing::trustStoreFromConfig(*config, state_dir);
    };
    s.revocation = [config, state_dir] {
        return signing::revocationSettingsFrom(*config, state_dir);
    };
#ifdef CERTAGENT_VERSION
    s.version = CERTAGENT_VERSION;
#endif
    return s;
}

}  // namespace certagent::server
