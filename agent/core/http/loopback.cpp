// Which URLs reach this computer: the rule that lets plain http:// through
// (ClientOptions::allowPlainHttpToLoopback). Judged on the host libcurl itself will connect to.
#include <algorithm>
#include <array>
#include <memory>

#include "certagent/core/http/client.hpp"
#include "certagent/core/http/curl_api.hpp"
#include "certagent/core/platform/sockets.hpp"

namespace certagent::http {

bool isLoopbackHost(std::string host) {
    std::transform(host.begin(), host.end(), host.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (host == "localhost") return true;  // curl never asks DNS for it (loopback by RFC 6761)
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
        if (host.find('%') != std::string::npos) return false;  // a zone id: a link, not ::1
        std::array<unsigned char, 16> a6{};
        if (!platform::parseIpv6(host, a6)) return false;
        constexpr std::array<unsigned char, 16> kLoopback6{0, 0, 0, 0, 0, 0, 0, 0,
                                                           0, 0, 0, 0, 0, 0, 0, 1};
        if (a6 == kLoopback6) return true;
        // ::ffff:127.x.y.z reaches IPv4 loopback.
        constexpr std::array<unsigned char, 12> kV4Mapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        return std::equal(kV4Mapped.begin(), kV4Mapped.end(), a6.begin()) && a6[12] == 127;
    }
    // Only a dotted quad: whatever else a name is, DNS decides where it goes.
    std::array<unsigned char, 4> a4{};
    return platform::parseIpv4(host, a4) && a4[0] == 127;
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
