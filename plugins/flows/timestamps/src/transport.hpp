#pragma once
// How the RFC 3161 client reaches a server: the agent's HTTP client (certagent.http/1, see
// host_transport.hpp) in the plugin, another one in tests. A transport answers or throws
// TransportError; it follows no redirects and bounds the answer's size (maxBytes).
#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace certagent::timestamps {

struct HttpRequest {
    std::string method = "POST";
    std::string url;
    // May carry credentials (Authorization): the client wipes them after the call.
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::string caBundle;         // extra TLS anchors (PEM file), besides the system store
    // http:// too: to any host without credentials, with them to loopback only (the agent's
    // rule, host_transport.cpp)
    bool allowPlainHttp = false;
    std::chrono::milliseconds timeout{30'000};
    std::size_t maxBytes = 1u << 20;
    nlohmann::json clientCertificate;  // {"session", "id"}: TLS client key on a token; or null
};

struct HttpAnswer {
    long status = 0;
    std::map<std::string, std::string> headers;  // names lower-cased
    std::string body;
    std::string header(const std::string& lower_name) const {
        auto it = headers.find(lower_name);
        return it == headers.end() ? std::string() : it->second;
    }
};

class TransportError : public std::runtime_error {
public:
    // code: "network" (retryable), "tls", "usage" (an address the agent refuses), ...
    TransportError(const std::string& message, std::string code, bool retryable)
        : std::runtime_error(message), code_(std::move(code)), retryable_(retryable) {}
    const std::string& code() const noexcept { return code_; }
    bool retryable() const noexcept { return retryable_; }

private:
    std::string code_;
    bool retryable_;
};

class Transport {
public:
    virtual ~Transport() = default;
    virtual HttpAnswer perform(const HttpRequest& request) = 0;
};

}  // namespace certagent::timestamps
