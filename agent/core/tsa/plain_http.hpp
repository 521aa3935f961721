#pragma once
// http:// for RFC 3161 only. certagent::http::CurlClient (the agent's HTTPS client) refuses
// plain HTTP on purpose; a TSA answer is signed and checked end to end, so RFC 3161 may travel
// over plain HTTP (RFC 3161 section 3.4), as most CAs' TSAs do. This is the smallest libcurl
// POST that serves it: no redirects, size limit, timeouts; https:// URLs go to CurlClient.
#include "certagent/core/http/client.hpp"

namespace certagent::tsa::detail {

class PlainHttpClient final : public http::HttpClient {
  public:
    explicit PlainHttpClient(http::ClientOptions options) : options_(std::move(options)) {}
    http::Response perform(const http::Request& request) override;

  private:
    http::ClientOptions options_;
};

// True when the URL's host (as libcurl parses it) is "localhost", an IPv4 address in
// 127.0.0.0/8, or ::1 (also ::ffff:127.x.y.z). Names that merely begin with "127." and user
// info ending in "@127.0.0.1" are not loopback. Throws Error(Internal) without libcurl.
bool isLoopbackUrl(const std::string& url);
// The same test for a host as curl reports it (IPv6 in brackets).
bool isLoopbackHost(std::string host);

}  // namespace certagent::tsa::detail
