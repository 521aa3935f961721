#pragma once
// The sandbox's RFC 3161 time-stamping authority: a second listener (plain HTTP, 127.0.0.1),
// POST /tsa with application/timestamp-query, answers signed by the TSA certificate from
// `init` (critical EKU timeStamping, under the sandbox root). Every account has a quota
// (accounts.timestamps_total/used, shared with GET /api/v1/timestamps/quota); a granted
// timestamp uses one. Authentication: HTTP basic with the account's TSA credentials
// (`tsa-account`). Test-only faults (docs/portal-api.md, "Timestamps"): with `serve
// --tsa-faults`, the header X-Sandbox-Tsa-Fault picks a bad answer.
#include "ca_layout.hpp"
#include "database.hpp"

#include <httplib.h>

#include <memory>
#include <mutex>
#include <string>

namespace certagent::sandbox {

// The policy under which the sandbox TSA issues timestamps.
inline constexpr const char* kSandboxTsaPolicyOid = "1.3.6.1.4.1.59999.1.3161";

// Fault kinds honoured with --tsa-faults.
inline constexpr const char* kTsaFaults[] = {"wrong-nonce", "wrong-imprint", "untrusted",
                                             "no-eku",      "garbage",       "429"};

void migrateTsaSchema(Database& db);

struct TsaAccount {
    std::string username;  // the holder id
    std::string password;  // new, random; only its salted hash is stored
    long long total = 0, used = 0;
};
// `tsa-account`: creates the holder's account (ACTIVE) if missing, sets a new TSA password and,
// when quota >= 0, makes `quota` timestamps remain.
TsaAccount setTsaAccount(const CaLayout& layout, const std::string& holder_id,
                         const std::string& email, long long quota);

class TsaServer {
  public:
    TsaServer(const CaLayout& layout, bool faults);
    ~TsaServer();
    TsaServer(const TsaServer&) = delete;
    TsaServer& operator=(const TsaServer&) = delete;

    // Binds 127.0.0.1:port (0: any); returns false when it cannot.
    bool bind(int port);
    std::string url() const;  // http://127.0.0.1:N/tsa
    bool listen();            // blocks until stop()
    void stop();

  private:
    struct Signers;
    void handle(const httplib::Request& req, httplib::Response& res);

    CaLayout layout_;
    bool faults_;
    Database db_;
    std::unique_ptr<Signers> signers_;
    httplib::Server server_;
    std::mutex mutex_;
    int port_ = 0;
};

}  // namespace certagent::sandbox
