#pragma once
// The RFC 3161 client's Transport over the agent's HTTP client (certagent.http/1): TLS verified
// against the request's ca_bundle plus the system store, plain http:// only to loopback, sizes
// and time bounded, a token's key for TLS client authentication. The request text (it may hold
// an Authorization header) is wiped after the call.
#include <certagent/sdk/plugin.hpp>

#include "src/transport.hpp"

namespace certagent::timestamps {

class HostTransport final : public Transport {
public:
    explicit HostTransport(const sdk::Host& host) : host_(host) {}
    HttpAnswer perform(const HttpRequest& request) override;

private:
    const sdk::Host& host_;
};

}  // namespace certagent::timestamps
