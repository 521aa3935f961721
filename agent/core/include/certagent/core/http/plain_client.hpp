#pragma once
// http:// for answers that are signed and checked end to end: RFC 3161 timestamps (RFC 3161
// section 3.4), OCSP responses (RFC 6960 appendix A) and CRLs (RFC 5280), which CAs publish over
// plain HTTP. certagent::http::CurlClient, the agent's HTTPS client, refuses http:// on purpose;
// this is the smallest libcurl transfer that serves these: no redirects, a size limit, timeouts.
// Nothing it returns may be trusted before its signature is checked.
#include "certagent/core/http/client.hpp"

namespace certagent::http {

class PlainHttpClient final : public HttpClient {
  public:
    explicit PlainHttpClient(ClientOptions options) : options_(std::move(options)) {}
    // Throws Error: Usage for anything but http://, Protocol for an answer over
    // options.maxResponseBytes, Config for a malformed URL, Network (retryable) otherwise.
    Response perform(const Request& request) override;

  private:
    ClientOptions options_;
};

}  // namespace certagent::http
