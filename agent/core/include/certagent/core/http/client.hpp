#pragma once
// The agent's HTTPS client (libcurl + OpenSSL). The server is always verified: against the
// configured CA bundle *plus* the system store; there is no switch to turn that off. A client
// certificate may be presented with its private key on a token (libp11's EVP_PKEY handed to
// OpenSSL, so no PIN or key URI ever reaches libcurl). Retries are the caller's business: a
// call either answers, or throws a typed certagent::Error:
//   Network (retryable)  peer unreachable, connection reset, timeout
//   Tls                  the server's certificate did not verify, handshake refused (reason)
//   Protocol             answer larger than the limit, not HTTP
//   Usage                a URL that is not https:// (nor http:// to this computer when
//                        allowPlainHttpToLoopback is set)
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <openssl/types.h>

namespace certagent::http {

struct Request {
    std::string method = "GET";
    std::string url;
    std::vector<std::string> headers;  // "Name: value"
    std::string body;                  // sent (with Content-Length) for anything but GET
    std::string contentType;
};

struct Response {
    long status = 0;
    std::map<std::string, std::string> headers;  // names lower-cased
    std::string body;
    double seconds = 0;
    std::string header(const std::string& lowerName) const;
};

struct ClientOptions {
    std::filesystem::path caBundle;  // extra trust anchors (PEM); empty: system store only
    bool systemStore = true;         // also trust the system's CA store
    std::chrono::milliseconds connectTimeout{10'000};
    std::chrono::milliseconds timeout{60'000};  // whole transfer
    std::size_t maxResponseBytes = 16u << 20;
    std::string userAgent = "certagent";
    // Also plain http://, but only to this computer (isLoopbackUrl): for answers that are
    // signed and checked end to end, such as an RFC 3161 TSA on loopback (the sandbox).
    bool allowPlainHttpToLoopback = false;
    // Plain http:// to any host (an RFC 3161 TSA that signs its answers and takes no password):
    // never with an Authorization header, which then only goes to a loopback address.
    bool allowPlainHttpToAnyHost = false;
};

// A seam for tests and other transports.
class HttpClient {
public:
    virtual ~HttpClient() = default;
    virtual Response perform(const Request& request) = 0;
};

// Keeps one connection alive between calls (same host), so a renewal's calls share a TLS
// session. Not thread-safe: one client per thread of work.
class CurlClient final : public HttpClient {
public:
    explicit CurlClient(ClientOptions options);
    ~CurlClient() override;
    CurlClient(const CurlClient&) = delete;
    CurlClient& operator=(const CurlClient&) = delete;

    // Presents `cert` with `key` (e.g. TokenSession::privateKey) from the next connection on.
    // Both are borrowed and must outlive the client's use; hold the token session's lock while
    // performing when other threads share the session. Extra chain certificates are optional.
    void setClientCertificate(X509* cert, EVP_PKEY* key, std::vector<X509*> chain = {});
    void clearClientCertificate();

    Response perform(const Request& request) override;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// True when the URL's host, as libcurl's own parser (curl_url, CURLUPART_HOST) reports it, is
// "localhost", an IPv4 address in 127.0.0.0/8, ::1 or ::ffff:127.x.y.z. Judged by address, so
// names that merely begin with "127." and user info ending in "@127.0.0.1" are not loopback.
bool isLoopbackUrl(const std::string& url);
// The same test for a host as curl reports it (IPv6 in brackets).
bool isLoopbackHost(std::string host);

}  // namespace certagent::http
