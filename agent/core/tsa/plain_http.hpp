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

// True for http://127.x.x.x, http://localhost and http://[::1].
bool isLoopbackUrl(const std::string& url);

}  // namespace certagent::tsa::detail
