// Which URLs reach this computer: the rule that lets plain http:// through
// (ClientOptions::allowPlainHttpToLoopback). Judged on the host libcurl itself will connect to.
#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <memory>

#include "certagent/core/http/client.hpp"
#include "certagent/core/http/curl_api.hpp"

namespace certagent::http {

bool isLoopbackHost(std::string host) {
    std::transform(host.begin(), host.end(), host.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (host == "localhost") return true;  // curl never asks DNS for it (loopback by RFC 6761)
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
        if (host.find('%') != std::string::npos) return false;  // a zone id: a link, not ::1
        in6_addr a6{};
        if (inet_pton(AF_INET6, host.c_str(), &a6) != 1) return false;
        if (IN6_IS_ADDR_LOOPBACK(&a6)) return true;
        // ::ffff:127.x.y.z reaches IPv4 loopback.
        return IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127;
    }
    // Only a dotted quad: whatever else a name is, DNS decides where it goes.
    in_addr a4{};
    if (inet_pton(AF_INET, host.c_str(), &a4) != 1) return false;
    return (ntohl(a4.s_addr) >> 24) == 127;
}

bool isLoopbackUrl(const std::string& url) {
    // libcurl's own parser, so the host judged here is the one curl will connect to (the
    // authority ends at the first '/', '?' or '#'; user info before '@' is not the host).
    const auto& cu = curl::api();
    std::unique_ptr<CURLU, decltype(cu.url_cleanup)> u(cu.url(), cu.url_cleanup);
    if (!u || cu.url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return false;
    char* host = nullptr;
    if (cu.url_get(u.get(), CURLUPART_HOST, &host, 0) != CURLUE_OK || !host) return false;
    std::string h(host);
    cu.free(host);
    return isLoopbackHost(h);
}

}  // namespace certagent::http
