#include "portal.hpp"
#include "tsa_server.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <regex>
#include <thread>

namespace certagent::sandbox {

const std::vector<Portal::Route>& Portal::routes() {
    using K = RouteKind;
    static const std::vector<Route> table = {
        {"GET", "/portal/confirm/{token}", K::Public, &Portal::confirmAccountPage},
        {"GET", "/portal/pay/{token}", K::Public, &Portal::paymentPage},
        {"POST", "/portal/pay/{token}/card", K::Public, &Portal::paymentCardPost},
        {"POST", "/portal/pay/{token}/otp", K::Public, &Portal::paymentOtpPost},
        {"GET", "/api/v1/account", K::Read, &Portal::getAccount},
        {"POST", "/api/v1/account", K::Write, &Portal::createAccount},
        {"GET", "/api/v1/certificates", K::Read, &Portal::listCertificates},
        {"GET", "/api/v1/certificates/{serial}", K::Read, &Portal::getCertificate},
        {"GET", "/api/v1/products", K::Read, &Portal::listProducts},
        {"GET", "/api/v1/timestamps/quota", K::Read, &Portal::getTimestampQuota},
        {"POST", "/api/v1/renewals", K::Write, &Portal::createRenewal},
        {"GET", "/api/v1/renewals", K::Read, &Portal::listRenewals},
        {"GET", "/api/v1/renewals/{id}", K::Read, &Portal::getRenewal},
        {"PUT", "/api/v1/renewals/{id}/identity-document", K::Write,
         &Portal::uploadIdentityDocument},
        {"GET", "/api/v1/renewals/{id}/declaration", K::Read, &Portal::getDeclaration},
        {"PUT", "/api/v1/renewals/{id}/signed-declaration", K::Write,
         &Portal::uploadSignedDeclaration},
        {"POST", "/api/v1/renewals/{id}/submit", K::Write, &Portal::submitRenewal},
        {"POST", "/api/v1/renewals/{id}/cancel", K::Write, &Portal::cancelRenewal},
        {"GET", "/api/v1/renewals/{id}/payment", K::Read, &Portal::getPayment},
        {"POST", "/api/v1/renewals/{id}/payment", K::Write, &Portal::startPayment},
        {"POST", "/api/v1/renewals/{id}/csr", K::Write, &Portal::uploadCsr},
        {"GET", "/api/v1/renewals/{id}/certificate", K::Read, &Portal::getIssuedCertificate},
    };
    return table;
}

std::vector<std::pair<std::string, std::string>> Portal::routeList() {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& r : routes()) out.emplace_back(r.method, r.path);
    return out;
}

std::string Portal::Ctx::param(size_t i) const {
    return i < req.matches.size() ? req.matches[i].str() : std::string();
}

Portal::Portal(ServeOptions options)
    : options_(std::move(options)),
      ca_(loadCaMaterial(options_.layout)),
      db_(options_.layout.database()) {
    migrateSchema(db_);
}

Portal::~Portal() = default;

std::string Portal::baseUrl() const { return "https://127.0.0.1:" + std::to_string(port_); }

namespace {

// "{id}" -> a capture group; every path parameter is an identifier, never a path.
std::string toRegex(const std::string& tmpl) {
    static const std::regex param(R"(\{[a-z_]+\})");
    return std::regex_replace(tmpl, param, "([A-Za-z0-9._-]{1,128})");
}

void writeReply(httplib::Response& res, const Reply& reply) {
    res.status = reply.status;
    for (const auto& [k, v] : reply.headers) res.set_header(k, v);
    res.set_content(reply.body, reply.content_type);
}

bool validIdempotencyKey(const std::string& key) {
    if (key.empty() || key.size() > 128) return false;
    for (unsigned char c : key)
        if (!std::isalnum(c) && c != '-' && c != '_' && c != '.' && c != ':') return false;
    return true;
}

}  // namespace

Reply Portal::runWrite(const Route& route, Ctx& ctx) {
    const auto& req = ctx.req;
    auto key = req.get_header_value("Idempotency-Key");
    if (key.empty())
        throw ApiError(400, "IDEMPOTENCY_KEY_REQUIRED",
                       "state-changing calls need an Idempotency-Key header");
    if (!validIdempotencyKey(key))
        throw ApiError(400, "INVALID_IDEMPOTENCY_KEY",
                       "Idempotency-Key: 1 to 128 characters from A-Z a-z 0-9 - _ . :");
    const auto holder = ctx.user().record.holder_id;
    const auto body_hash = sha256Hex(req.body);

    Transaction tx(db_);
    auto q = db_.prepare(
        "SELECT method, path, body_sha256, status, content_type, body "
        "FROM idempotency WHERE holder_id = ? AND key = ?");
    q.bindAll(holder, key);
    if (q.step()) {
        if (q.text(0) != req.method || q.text(1) != req.path || q.text(2) != body_hash)
            throw ApiError(422, "IDEMPOTENCY_KEY_REUSED",
                           "this Idempotency-Key was used for a different request",
                           {{"original_method", q.text(0)}, {"original_path", q.text(1)}});
        Reply replay;
        replay.status = static_cast<int>(q.integer(3));
        replay.content_type = q.text(4);
        auto body = q.blob(5);
        replay.body.assign(body.begin(), body.end());
        replay.headers.emplace_back("Idempotent-Replayed", "true");
        return replay;
    }
    Reply reply = (this->*route.handler)(ctx);
    // Only successes are remembered: an error changed nothing, so retrying it with the same
    // key simply runs it again (useful after 409 "not yet" answers).
    if (reply.status >= 200 && reply.status < 300) {
        db_.prepare(
               "INSERT INTO idempotency(holder_id, key, method, path, body_sha256, status, "
               "content_type, body, created_at) VALUES(?,?,?,?,?,?,?,?,?)")
            .bindAll(holder, key, req.method, req.path, body_hash,
                     static_cast<long long>(reply.status), reply.content_type,
                     Blob(reply.body.begin(), reply.body.end()), nowEpoch())
            .run();
    }
    tx.commit();
    return reply;
}

void Portal::handle(const Route& route, const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mutex_);
    Ctx ctx{req, std::nullopt, {}};
    try {
        Reply reply;
        if (route.kind == RouteKind::Public) {
            Transaction tx(db_);
            reply = (this->*route.handler)(ctx);
            tx.commit();
        } else {
            ctx.login = authenticate(req, ca_, db_);
            if (route.kind == RouteKind::Read)
                reply = (this->*route.handler)(ctx);
            else
                reply = runWrite(route, ctx);
        }
        for (auto& f : ctx.after_commit) {
            try {
                f();
            } catch (const std::exception& e) {
                std::cerr << "after-commit action failed: " << e.what() << "\n";
            }
        }
        writeReply(res, reply);
    } catch (const ApiError& e) {
        writeReply(res, jsonReply(e.status(), e.toJson()));
    } catch (const std::exception& e) {
        std::cerr << req.method << " " << req.path << ": " << e.what() << "\n";
        writeReply(res, jsonReply(500, ApiError(500, "INTERNAL",
                                                "internal error; nothing was "
                                                "changed, retry later")
                                           .toJson()));
    }
}

int Portal::run() {
    // Block the stop signals before httplib starts its worker threads, so only sigwait sees them.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    const auto cert_file = options_.layout.serverCert().string();
    const auto key_file = options_.layout.serverKey().string();
    X509* issuing = ca_.issuing.get();
    httplib::SSLServer server([&](SSL_CTX& ctx) {
        if (SSL_CTX_use_certificate_chain_file(&ctx, cert_file.c_str()) != 1 ||
            SSL_CTX_use_PrivateKey_file(&ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
            std::cerr << "cannot load " << cert_file << ": " << opensslErrors() << "\n";
            return false;
        }
        SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
        // Ask for a client certificate, accept any (or none) at the TLS layer; authenticate()
        // decides per route and answers with a readable JSON error.
        SSL_CTX_set_verify(&ctx, SSL_VERIFY_PEER, [](int, X509_STORE_CTX*) { return 1; });
        // Tell browsers which certificates to offer in their picker.
        STACK_OF(X509_NAME)* names = sk_X509_NAME_new_null();
        sk_X509_NAME_push(names, X509_NAME_dup(X509_get_subject_name(issuing)));
        SSL_CTX_set_client_CA_list(&ctx, names);
        return true;
    });
    if (!server.is_valid()) {
        std::cerr << "TLS setup failed\n";
        return 1;
    }
    server.set_payload_max_length(kMaxAnyBody);
    server.set_tcp_nodelay(true);  // else delayed ACKs add ~40 ms to every small answer
    server.set_read_timeout(10, 0);
    server.set_write_timeout(10, 0);
    for (const auto& route : routes()) {
        const Route* r = &route;
        auto handler = [this, r](const httplib::Request& req, httplib::Response& res) {
            handle(*r, req, res);
        };
        std::string pattern = toRegex(r->path);
        std::string m = r->method;
        if (m == "GET")
            server.Get(pattern, handler);
        else if (m == "POST")
            server.Post(pattern, handler);
        else if (m == "PUT")
            server.Put(pattern, handler);
    }
    // Everything httplib answers by itself (unknown path, 413 before reading the body) gets
    // the same JSON error shape as the handlers.
    httplib::Server::HandlerWithResponse on_error = [](const httplib::Request&,
                                                       httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        std::string code = res.status == 404   ? "NOT_FOUND"
                           : res.status == 413 ? "PAYLOAD_TOO_LARGE"
                           : res.status == 400 ? "BAD_REQUEST"
                                               : "HTTP_" + std::to_string(res.status);
        nlohmann::json details = nullptr;
        if (res.status == 413) details = {{"limit_bytes", kMaxAnyBody}};
        const char* message = res.status == 404   ? "no such endpoint"
                              : res.status == 413 ? "the body is larger than the server accepts"
                                                  : "the request could not be processed";
        res.set_content(ApiError(res.status, code, message, details).toJson().dump(),
                        "application/json");
        return httplib::Server::HandlerResponse::Handled;
    };
    server.set_error_handler(on_error);

    if (options_.port == 0) {
        port_ = server.bind_to_any_port("127.0.0.1");
        if (port_ <= 0) {
            std::cerr << "cannot bind 127.0.0.1\n";
            return 1;
        }
    } else {
        if (!server.bind_to_port("127.0.0.1", options_.port)) {
            std::cerr << "cannot bind 127.0.0.1:" << options_.port << "\n";
            return 1;
        }
        port_ = options_.port;
    }
    TsaServer tsa(options_.layout, options_.tsa_faults);
    if (!tsa.bind(options_.tsa_port)) {
        std::cerr << "cannot bind the TSA on 127.0.0.1:" << options_.tsa_port << "\n";
        return 1;
    }
    tsa_url_ = tsa.url();
    std::printf("listening on %s/\n", baseUrl().c_str());
    std::printf("tsa on %s\n", tsa_url_.c_str());
    std::fflush(stdout);

    std::thread tsa_thread([&tsa] { tsa.listen(); });
    std::thread stopper([&server, &tsa, stop_signals] {
        int sig = 0;
        sigwait(&stop_signals, &sig);
        tsa.stop();
        server.stop();
    });
    bool ok = server.listen_after_bind();
    tsa.stop();
    tsa_thread.join();
    // listen_after_bind also returns when the socket fails; wake the stopper then.
    if (stopper.joinable()) {
        pthread_kill(stopper.native_handle(), SIGTERM);
        stopper.join();
    }
    return ok ? 0 : 1;
}

}  // namespace certagent::sandbox
