#include "certagent/core/server/request_policy.hpp"

#include <algorithm>
#include <cctype>
#include <set>

namespace certagent::server {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool allDigits(std::string_view s) {
    return !s.empty() && s.size() <= 5 &&
           std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

}  // namespace

bool hostAllowed(std::string_view host, int port) {
    const std::string h = lower(trim(host));
    const std::string suffix = ":" + std::to_string(port);
    return h == "localhost" + suffix || h == "127.0.0.1" + suffix || h == "[::1]" + suffix;
}

std::optional<std::string> canonicalOrigin(std::string_view origin) {
    const std::string o = lower(trim(origin));
    std::string scheme;
    if (o.rfind("https://", 0) == 0)
        scheme = "https";
    else if (o.rfind("http://", 0) == 0)
        scheme = "http";
    else
        return std::nullopt;
    std::string_view rest(o);
    rest.remove_prefix(scheme.size() + 3);
    if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
    if (rest.empty() || rest.find_first_of("/?#@\\ ") != std::string_view::npos)
        return std::nullopt;
    std::string_view host = rest, port;
    if (rest.front() == '[') {  // IPv6 literal
        auto close = rest.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        host = rest.substr(0, close + 1);
        auto after = rest.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return std::nullopt;
            port = after.substr(1);
        }
    } else if (auto colon = rest.rfind(':'); colon != std::string_view::npos) {
        host = rest.substr(0, colon);
        port = rest.substr(colon + 1);
    }
    if (host.empty() || (host.front() != '[' && host.find(':') != std::string_view::npos))
        return std::nullopt;
    for (unsigned char c : host)
        if (!(std::isalnum(c) || c == '.' || c == '-' || c == '[' || c == ']' || c == ':'))
            return std::nullopt;
    if (!port.empty() && !allDigits(port)) return std::nullopt;
    if ((scheme == "https" && port == "443") || (scheme == "http" && port == "80")) port = {};
    std::string out = scheme + "://" + std::string(host);
    if (!port.empty()) out += ":" + std::string(port);
    return out;
}

bool originAllowed(std::string_view origin, const std::vector<std::string>& allowed) {
    auto o = canonicalOrigin(origin);
    if (!o) return false;
    for (const auto& a : allowed)
        if (auto c = canonicalOrigin(a); c && *c == *o) return true;
    return false;
}

bool isJsonContentType(std::string_view content_type) {
    auto semi = content_type.find(';');
    auto type = lower(trim(content_type.substr(0, semi)));
    if (type != "application/json") return false;
    if (semi == std::string_view::npos) return true;
    // Only a charset parameter, and only UTF-8 (JSON is UTF-8, RFC 8259).
    auto param = lower(trim(content_type.substr(semi + 1)));
    return param == "charset=utf-8" || param == "charset=\"utf-8\"";
}

PreflightAnswer answerPreflight(const PreflightRequest& request,
                                const std::vector<std::string>& allowed_origins) {
    PreflightAnswer answer;
    if (!originAllowed(request.origin, allowed_origins)) return answer;
    if (request.method != "GET" && request.method != "POST") return answer;
    // Only Content-Type may be set by the page (CORS-safelisted headers need no permission).
    static const std::set<std::string> allowed_headers = {"content-type"};
    std::string_view rest(request.headers);
    while (!rest.empty()) {
        auto comma = rest.find(',');
        auto name = lower(trim(rest.substr(0, comma)));
        if (!name.empty() && !allowed_headers.count(name)) return answer;
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
    }
    answer.allowed = true;
    answer.headers = {
        {"Access-Control-Allow-Origin", *canonicalOrigin(request.origin)},
        {"Access-Control-Allow-Methods", "GET, POST"},
        {"Access-Control-Allow-Headers", "Content-Type"},
        {"Access-Control-Max-Age", "600"},
        {"Vary", "Origin"},
    };
    // Chrome's Private Network Access (and its successor, Local Network Access) preflights ask
    // whether a public page may reach a loopback server: only allowed origins get a yes.
    if (request.private_network) answer.headers.emplace_back("Access-Control-Allow-Private-Network", "true");
    if (request.local_network) answer.headers.emplace_back("Access-Control-Allow-Local-Network", "true");
    return answer;
}

}  // namespace certagent::server
