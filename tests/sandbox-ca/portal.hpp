#pragma once
// The portal: HTTPS server, route table, and the handlers of the renewal protocol
// (docs/portal-api.md). One mutex serialises handlers: the sandbox favours obviously correct
// state changes over throughput, and a request is a few milliseconds.
#include "ca_layout.hpp"
#include "client_auth.hpp"
#include "database.hpp"
#include "http_support.hpp"
#include "renewal_state.hpp"

#include <httplib.h>

#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace certagent::sandbox {

struct ServeOptions {
    CaLayout layout;
    int port = 0;  // 0: pick a free one
    bool auto_approve = false;
    bool auto_pay = false;
    int tsa_port = 0;         // the RFC 3161 listener (plain HTTP); 0: any free port
    bool tsa_faults = false;  // honour X-Sandbox-Tsa-Fault (tests only)
};

enum class RouteKind {
    Public,  // browser pages, no client certificate (confirmation link, payment page)
    Read,    // GET under /api/v1: client certificate
    Write,   // state-changing under /api/v1: client certificate + Idempotency-Key
};

class Portal {
  public:
    explicit Portal(ServeOptions options);
    ~Portal();

    // Binds 127.0.0.1, prints "listening on https://127.0.0.1:N/" then "tsa on
    // http://127.0.0.1:M/tsa" and serves both until SIGINT or SIGTERM. Returns the exit code.
    int run();

    // Method + OpenAPI path of every route, for `routes` and the OpenAPI test.
    static std::vector<std::pair<std::string, std::string>> routeList();

    struct Ctx {
        const httplib::Request& req;
        std::optional<Login> login;
        std::vector<std::function<void()>> after_commit;  // mail: only once the state is stored
        std::string param(size_t i) const;
        const Login& user() const { return *login; }
    };
    using Handler = Reply (Portal::*)(Ctx&);
    struct Route {
        const char* method;
        const char* path;
        RouteKind kind;
        Handler handler;
    };

  private:
    static const std::vector<Route>& routes();
    void handle(const Route& route, const httplib::Request& req, httplib::Response& res);
    Reply runWrite(const Route& route, Ctx& ctx);

    // Shared helpers.
    void requireActiveAccount(const Ctx& ctx);
    nlohmann::json renewalJson(const std::string& id);
    std::string ownedRenewal(const Ctx& ctx);  // the {id} path parameter, checked to be the user's
    std::string baseUrl() const;
    void onPaymentCompleted(const std::string& renewal_id, const std::string& actor);

    // Account.
    Reply getAccount(Ctx& ctx);
    Reply createAccount(Ctx& ctx);
    Reply confirmAccountPage(Ctx& ctx);
    // Certificates, products, quota.
    Reply listCertificates(Ctx& ctx);
    Reply getCertificate(Ctx& ctx);
    Reply listProducts(Ctx& ctx);
    Reply getTimestampQuota(Ctx& ctx);
    // Renewals.
    Reply createRenewal(Ctx& ctx);
    Reply listRenewals(Ctx& ctx);
    Reply getRenewal(Ctx& ctx);
    Reply uploadIdentityDocument(Ctx& ctx);
    Reply getDeclaration(Ctx& ctx);
    Reply uploadSignedDeclaration(Ctx& ctx);
    Reply submitRenewal(Ctx& ctx);
    Reply cancelRenewal(Ctx& ctx);
    Reply getPayment(Ctx& ctx);
    Reply startPayment(Ctx& ctx);
    Reply uploadCsr(Ctx& ctx);
    Reply getIssuedCertificate(Ctx& ctx);
    // Payment pages (browser).
    Reply paymentPage(Ctx& ctx);
    Reply paymentCardPost(Ctx& ctx);
    Reply paymentOtpPost(Ctx& ctx);

    nlohmann::json paymentJson(const std::string& payment_id);
    std::string createPayment(const std::string& renewal_id, long long amount_minor);

    ServeOptions options_;
    CaMaterial ca_;
    Database db_;
    std::mutex mutex_;
    int port_ = 0;
    std::string tsa_url_;
};

}  // namespace certagent::sandbox
