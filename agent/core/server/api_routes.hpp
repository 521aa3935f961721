#pragma once
// Internal: the endpoint handlers behind LocalServer's security checks. Each takes the parsed
// request and returns the JSON answer, or throws ApiError.
#include <nlohmann/json.hpp>

#include <mutex>
#include <string>

#include "certagent/core/server/local_server.hpp"

namespace certagent::server {

class ApiRoutes {
public:
    explicit ApiRoutes(ServerServices& services) : services_(services) {}

    nlohmann::json status() const;
    nlohmann::json certificates() const;
    nlohmann::json signPdf(const std::string& origin, const nlohmann::json& body);
    nlohmann::json signHash(const std::string& origin, const nlohmann::json& body);
    nlohmann::json verify(const nlohmann::json& body) const;

private:
    ServerServices& services_;
    std::mutex signing_;  // one consent dialog (and one token signature) at a time
};

}  // namespace certagent::server
