#pragma once
// Internal: the local server's JSON errors. Every error answer is
//   {"error": {"code": "ORIGIN_NOT_ALLOWED", "message": "...", "field": "..."?}}
// with a stable code (docs/local-server-api.md lists them) and a translated message.
#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>

namespace certagent::server {

struct ApiError : std::runtime_error {
    ApiError(int http_status, std::string error_code, const std::string& message,
             std::string field_name = {})
        : std::runtime_error(message),
          status(http_status),
          code(std::move(error_code)),
          field(std::move(field_name)) {}
    int status;
    std::string code;
    std::string field;

    nlohmann::json toJson() const {
        nlohmann::json e = {{"code", code}, {"message", what()}};
        if (!field.empty()) e["field"] = field;
        return {{"error", e}};
    }
};

}  // namespace certagent::server
