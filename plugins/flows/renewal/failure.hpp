#pragma once
// Errors inside the renewal plugin. A Failure carries a code from the agent's vocabulary — the
// codes the host extensions answer ("network", "tls", "token_removed", "pin_incorrect",
// "pin_locked", "cancelled", "invalid_input", "usage", "config", "state", "protocol", "io",
// "token", "internal") — and a message for the person. The engine turns a Failure into the
// renewal's state (engine.cpp, Runner::onError): the one place that decides what is retried.
#include <stdexcept>
#include <string>

namespace certagent::sdk {
class HostError;
}

namespace certagent::renewal {

namespace code {
inline constexpr const char* kNetwork = "network";
inline constexpr const char* kTls = "tls";
inline constexpr const char* kTokenRemoved = "token_removed";
inline constexpr const char* kPinIncorrect = "pin_incorrect";
inline constexpr const char* kPinLocked = "pin_locked";
inline constexpr const char* kCancelled = "cancelled";
inline constexpr const char* kInvalidInput = "invalid_input";
inline constexpr const char* kUsage = "usage";
inline constexpr const char* kConfig = "config";
inline constexpr const char* kState = "state";
inline constexpr const char* kProtocol = "protocol";
inline constexpr const char* kIo = "io";
inline constexpr const char* kToken = "token";
inline constexpr const char* kInternal = "internal";
}  // namespace code

class Failure : public std::runtime_error {
  public:
    Failure(std::string code, const std::string& message, std::string where = {})
        : std::runtime_error(message), code_(std::move(code)), where_(std::move(where)) {}
    const std::string& code() const noexcept { return code_; }
    const std::string& where() const noexcept { return where_; }
    // "where: message", or the message alone.
    std::string describe() const { return where_.empty() ? what() : where_ + ": " + what(); }

  private:
    std::string code_, where_;
};

// The same failure, from a host extension's answer (its code and message are kept).
Failure fromHost(const sdk::HostError& e);

}  // namespace certagent::renewal
