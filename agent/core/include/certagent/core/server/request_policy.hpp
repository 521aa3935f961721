#pragma once
// The local server's request checks, as pure functions (unit-tested on their own): DNS
// rebinding (Host), cross-site callers (Origin), CORS preflights, content types.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace certagent::server {

// The only addresses the server ever binds.
inline constexpr const char* kLoopbackV4 = "127.0.0.1";
inline constexpr const char* kLoopbackV6 = "::1";

// Host header: exactly localhost, 127.0.0.1 or [::1] (case-insensitive) with `port`. Anything
// else (a DNS name that resolves to 127.0.0.1, a missing port, a missing header) is refused.
bool hostAllowed(std::string_view host, int port);

// Canonical form of an origin for comparison: lower-case scheme and host, no trailing slash,
// default port (:443 for https, :80 for http) removed. nullopt when it is not
// scheme://host[:port] (e.g. "null", paths, user info).
std::optional<std::string> canonicalOrigin(std::string_view origin);

// True when `origin` is one of `allowed` (both canonicalised).
bool originAllowed(std::string_view origin, const std::vector<std::string>& allowed);

// application/json, optionally with parameters (charset=utf-8).
bool isJsonContentType(std::string_view content_type);

// What a CORS preflight (OPTIONS with Access-Control-Request-Method) asked for.
struct PreflightRequest {
    std::string origin;
    std::string method;   // Access-Control-Request-Method
    std::string headers;  // Access-Control-Request-Headers, comma separated
    bool private_network = false;  // Access-Control-Request-Private-Network: true
    bool local_network = false;    // Access-Control-Request-Local-Network: true
};

struct PreflightAnswer {
    bool allowed = false;
    std::vector<std::pair<std::string, std::string>> headers;  // when allowed
};

// Answers a preflight for `path`: only allowed origins, only GET/POST on our endpoints, only the
// Content-Type request header.
PreflightAnswer answerPreflight(const PreflightRequest& request,
                                const std::vector<std::string>& allowed_origins);

}  // namespace certagent::server
