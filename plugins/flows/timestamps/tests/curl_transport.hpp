#pragma once
// The timestamps logic library's Transport over core's HTTP client, for tests that drive the
// library directly against the sandbox TSA: the same client (and the same plain-http-to-loopback
// rule) the agent gives the plugin through certagent.http/1. A client certificate is given here
// (a key in memory), not as a token session.
#include "certagent/core/error.hpp"
#include "certagent/core/http/client.hpp"
#include "transport.hpp"

namespace certagent::testing {

class CurlTransport final : public timestamps::Transport {
public:
    timestamps::HttpAnswer perform(const timestamps::HttpRequest& request) override {
        http::ClientOptions o;
        o.caBundle = request.caBundle;
        o.timeout = request.timeout;
        o.maxResponseBytes = request.maxBytes;
        o.allowPlainHttpToLoopback = request.allowPlainHttp;
        http::CurlClient client(o);
        if (cert && key) client.setClientCertificate(cert, key);
        http::Request r;
        r.method = request.method;
        r.url = request.url;
        r.body = request.body;
        for (const auto& [name, value] : request.headers) {
            if (name == "Content-Type") r.contentType = value;
            else r.headers.push_back(name + ": " + value);
        }
        sent.push_back(request);
        try {
            auto resp = client.perform(r);
            return {resp.status, resp.headers, resp.body};
        } catch (const Error& e) {
            throw timestamps::TransportError(e.what(), errorKindName(e.kind()), e.retryable());
        }
    }
    X509* cert = nullptr;
    EVP_PKEY* key = nullptr;
    std::vector<timestamps::HttpRequest> sent;
};

}  // namespace certagent::testing
