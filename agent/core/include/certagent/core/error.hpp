#pragma once
// Typed errors inside the agent. Plugins see status codes instead (sdk/abi.h); one place
// (describe()) turns an Error into user text.
#include <stdexcept>
#include <string>

namespace certagent {

enum class ErrorKind {
    Usage,          // bad command line or arguments
    Config,         // bad configuration file or value
    InvalidInput,   // bad file, certificate, PDF, server reply or request
    Io,             // file system
    State,          // state database
    Plugin,         // plugin loading or plugin failure
    Token,          // PKCS#11 / token
    TokenRemoved,   // token pulled out during an operation (retryable)
    PinIncorrect,   // wrong PIN
    PinLocked,      // PIN blocked
    Network,        // unreachable peer, timeout (retryable)
    Tls,            // TLS verification failure
    Protocol,       // peer answered something we did not expect
    Rejected,       // peer refused (e.g. CA rejected a request)
    Cancelled,      // user or caller cancelled
    Internal,
};

class Error : public std::runtime_error {
public:
    Error(ErrorKind kind, std::string message, std::string where = {}, bool retryable = false)
        : std::runtime_error(std::move(message)),
          kind_(kind),
          where_(std::move(where)),
          retryable_(retryable) {}

    ErrorKind kind() const noexcept { return kind_; }
    // Where it came from: a file:line, a URL, a token serial, a step name.
    const std::string& where() const noexcept { return where_; }
    bool retryable() const noexcept { return retryable_; }

private:
    ErrorKind kind_;
    std::string where_;
    bool retryable_;
};

// A retryable error: the same call may succeed later (network down, token pulled out).
inline Error retryableError(ErrorKind kind, std::string message, std::string where = {}) {
    return Error(kind, std::move(message), std::move(where), true);
}

const char* errorKindName(ErrorKind kind) noexcept;

// "where: message" when where is known, else message.
std::string describe(const Error& e);

}  // namespace certagent
