#pragma once
// The one error type handlers throw: it becomes {"error":{"code","message","details"}} with its
// HTTP status, and the transaction it was thrown in rolls back (bad input never changes state).
#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>

namespace certagent::sandbox {

class ApiError : public std::runtime_error {
  public:
    ApiError(int status, std::string code, const std::string& message,
             nlohmann::json details = nullptr)
        : std::runtime_error(message),
          status_(status),
          code_(std::move(code)),
          details_(std::move(details)) {}

    int status() const { return status_; }
    const std::string& code() const { return code_; }
    const nlohmann::json& details() const { return details_; }
    nlohmann::json toJson() const {
        return {{"error", {{"code", code_}, {"message", what()}, {"details", details_}}}};
    }

  private:
    int status_;
    std::string code_;
    nlohmann::json details_;
};

}  // namespace certagent::sandbox
