#pragma once
// Internal: the endpoint handlers behind LocalServer's security checks. Each takes the parsed
// request and returns the JSON answer, or throws ApiError.
#include <nlohmann/json.hpp>

#include <functional>
#include <mutex>
#include <string>

#include "certagent/core/server/local_server.hpp"

namespace certagent::server {

class ApiRoutes {
public:
    explicit ApiRoutes(ServerServices& services) : services_(services) {}

    nlohmann::json status() const;
    nlohmann::json certificates() const;
    // `gone` turns true when the client has closed its connection: the work stops (no login,
    // no signature, no further verification) with ApiError CLIENT_GONE.
    using Gone = std::function<bool()>;
    nlohmann::json signPdf(const std::string& origin, const nlohmann::json& body,
                           const Gone& gone);
    nlohmann::json signHash(const std::string& origin, const nlohmann::json& body,
                            const Gone& gone);
    nlohmann::json verify(const nlohmann::json& body, const Gone& gone) const;

private:
    ServerServices& services_;
    std::mutex signing_;  // one consent dialog (and one token signature) at a time
};

}  // namespace certagent::server
