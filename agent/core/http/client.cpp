#include "certagent/core/http/client.hpp"

#include <strings.h>

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <chrono>

#include "certagent/core/error.hpp"
#include "certagent/core/http/curl_api.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"

namespace certagent::http {
namespace {

struct Transfer {
    Response* response;
    std::size_t limit;
    bool overLimit = false;
};

size_t onBody(char* data, size_t size, size_t n, void* user) {
    auto* t = static_cast<Transfer*>(user);
    if (t->response->body.size() + size * n > t->limit) {
        t->overLimit = true;
        return 0;  // aborts the transfer with CURLE_WRITE_ERROR
    }
    t->response->body.append(data, size * n);
    return size * n;
}

size_t onHeader(char* data, size_t size, size_t n, void* user) {
    std::string line(data, size * n);
    auto* headers = static_cast<std::map<std::string, std::string>*>(user);
    if (line.rfind("HTTP/", 0) == 0) headers->clear();  // a new response (after 100, redirect)
    auto colon = line.find(':');
    if (colon != std::string::npos) {
        auto name = line.substr(0, colon);
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        auto value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(" \t"));
        while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
        (*headers)[name] = value;
    }
    return size * n;
}

bool isNetworkError(CURLcode rc) {
    switch (rc) {
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
        case CURLE_COULDNT_CONNECT:
        case CURLE_OPERATION_TIMEDOUT:
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_GOT_NOTHING:
        case CURLE_PARTIAL_FILE:
        case CURLE_HTTP2:
        case CURLE_HTTP2_STREAM:
            return true;
        default:
            return false;
    }
}

bool isTlsError(CURLcode rc) {
    switch (rc) {
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CIPHER:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_ISSUER_ERROR:
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        case CURLE_SSL_INVALIDCERTSTATUS:
        case CURLE_USE_SSL_FAILED:
        case CURLE_SSL_ENGINE_INITFAILED:
        case CURLE_SSL_ENGINE_NOTFOUND:
        case CURLE_SSL_ENGINE_SETFAILED:
        case CURLE_SSL_SHUTDOWN_FAILED:
            return true;
        default:
            return false;
    }
}

}  // namespace

std::string Response::header(const std::string& lowerName) const {
    auto it = headers.find(lowerName);
    return it == headers.end() ? std::string() : it->second;
}

struct CurlClient::Impl {
    ClientOptions options;
    CURL* curl = nullptr;
    X509* cert = nullptr;
    EVP_PKEY* key = nullptr;
    std::vector<X509*> chain;
    std::string sslError;  // what the SSL_CTX callback could not do

    ~Impl() { reset(); }
    void reset() {
        if (curl) curl::api().easy_cleanup(curl);
        curl = nullptr;
    }
    CURL* handle() {
        if (!curl) {
            curl = curl::api().easy_init();
            if (!curl) throw Error(ErrorKind::Internal, "curl_easy_init failed");
        }
        return curl;
    }

    // Runs for every new TLS connection, after libcurl loaded its CA file: adds the system
    // store when a bundle replaced it, and the client certificate with the token's key.
    static CURLcode onSslCtx(CURL*, void* sslctx, void* user) {
        auto* self = static_cast<Impl*>(user);
        auto* ctx = static_cast<SSL_CTX*>(sslctx);
        SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
        if (self->options.systemStore && !self->options.caBundle.empty()) {
            X509_STORE* store = SSL_CTX_get_cert_store(ctx);
            if (store) X509_STORE_set_default_paths(store);
            ERR_clear_error();  // a missing system file or dir is not an error
        }
        if (self->cert && self->key) {
            if (SSL_CTX_use_certificate(ctx, self->cert) != 1 ||
                SSL_CTX_use_PrivateKey(ctx, self->key) != 1) {
                unsigned long e = ERR_get_error();
                char buf[256] = {};
                ERR_error_string_n(e, buf, sizeof buf);
                self->sslError = buf;
                return CURLE_SSL_CERTPROBLEM;
            }
            for (X509* c : self->chain) {
                X509_up_ref(c);
                if (SSL_CTX_add1_chain_cert(ctx, c) != 1) X509_free(c);
                else X509_free(c);  // add1 took its own reference
            }
        }
        return CURLE_OK;
    }
};

// libcurl is loaded by the first transfer, not here: services build their clients at start.
CurlClient::CurlClient(ClientOptions options) : impl_(std::make_unique<Impl>()) {
    impl_->options = std::move(options);
    if (!impl_->options.caBundle.empty() && !std::filesystem::exists(impl_->options.caBundle))
        throw Error(ErrorKind::Config, _("the CA bundle file does not exist"),
                    impl_->options.caBundle.string());
}

CurlClient::~CurlClient() = default;

void CurlClient::setClientCertificate(X509* cert, EVP_PKEY* key, std::vector<X509*> chain) {
    impl_->cert = cert;
    impl_->key = key;
    impl_->chain = std::move(chain);
    impl_->reset();  // a kept connection (and its TLS session) belongs to the old identity
}

void CurlClient::clearClientCertificate() { setClientCertificate(nullptr, nullptr, {}); }

Response CurlClient::perform(const Request& request) {
    auto& o = impl_->options;
    // Plain http:// only where the caller allows it, and then only to this computer: judged on
    // the host libcurl will connect to, before anything is sent.
    const bool plain = (o.allowPlainHttpToLoopback || o.allowPlainHttpToAnyHost) &&
                       request.url.rfind("http://", 0) == 0;
    if (!plain && request.url.rfind("https://", 0) != 0)
        throw Error(ErrorKind::Usage, _("only https:// addresses are allowed"), request.url);
    bool credentials = false;
    for (const auto& h : request.headers)
        if (h.size() >= 14 && strncasecmp(h.c_str(), "authorization:", 14) == 0) credentials = true;
    if (plain && (!o.allowPlainHttpToAnyHost || credentials) && !isLoopbackUrl(request.url))
        throw Error(ErrorKind::Usage,
                    credentials ? _("a password is sent over plain http:// only to this computer "
                                    "(a loopback address); use an https:// address")
                                : _("plain http:// is allowed only to this computer (a "
                                    "loopback address); use https://"),
                    request.url);
    CURL* c = impl_->handle();
    const auto& cu = curl::api();
    cu.easy_reset(c);  // keeps the live connection and the session cache
    Response response;
    Transfer transfer{&response, o.maxResponseBytes};
    char errbuf[CURL_ERROR_SIZE] = {};
    impl_->sslError.clear();

    cu.easy_setopt(c, CURLOPT_URL, request.url.c_str());
    cu.easy_setopt(c, CURLOPT_PROTOCOLS_STR, plain ? "http" : "https");
    cu.easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    cu.easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    cu.easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    cu.easy_setopt(c, CURLOPT_CA_CACHE_TIMEOUT, 0L);  // our store is per connection
    // No TLS session resumption: servers that verify client certificates without a session id
    // context refuse resumed sessions with an internal_error alert (seen with OpenSSL servers),
    // and a resumed session would skip the client-certificate proof anyway. Keep-alive still
    // spares most handshakes.
    cu.easy_setopt(c, CURLOPT_SSL_SESSIONID_CACHE, 0L);
    if (!o.caBundle.empty()) cu.easy_setopt(c, CURLOPT_CAINFO, o.caBundle.c_str());
    cu.easy_setopt(c, CURLOPT_SSL_CTX_FUNCTION, &Impl::onSslCtx);
    cu.easy_setopt(c, CURLOPT_SSL_CTX_DATA, impl_.get());
    cu.easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(o.connectTimeout.count()));
    cu.easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(o.timeout.count()));
    cu.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    cu.easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    cu.easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(o.maxResponseBytes));
    cu.easy_setopt(c, CURLOPT_USERAGENT, o.userAgent.c_str());
    cu.easy_setopt(c, CURLOPT_WRITEFUNCTION, onBody);
    cu.easy_setopt(c, CURLOPT_WRITEDATA, &transfer);
    cu.easy_setopt(c, CURLOPT_HEADERFUNCTION, onHeader);
    cu.easy_setopt(c, CURLOPT_HEADERDATA, &response.headers);
    cu.easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
    cu.easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    if (request.method == "GET") {
        cu.easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else {
        // Always a body (maybe empty), so Content-Length is sent.
        cu.easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
        cu.easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                         static_cast<curl_off_t>(request.body.size()));
    }
    struct curl_slist* list = nullptr;
    if (!request.contentType.empty())
        list = cu.slist_append(list, ("Content-Type: " + request.contentType).c_str());
    else if (request.method != "GET")
        list = cu.slist_append(list, "Content-Type:");
    list = cu.slist_append(list, "Expect:");  // no 100-continue round trip
    for (const auto& h : request.headers) list = cu.slist_append(list, h.c_str());
    cu.easy_setopt(c, CURLOPT_HTTPHEADER, list);

    auto started = std::chrono::steady_clock::now();
    CURLcode rc = cu.easy_perform(c);
    cu.slist_free_all(list);
    response.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    if (rc == CURLE_OK) {
        cu.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
        log::debug("http", "{} {} -> {} ({:.0f} ms)", request.method, request.url, response.status,
                   response.seconds * 1000);
        return response;
    }
    impl_->reset();  // never reuse a connection that failed half-way
    std::string reason = errbuf[0] ? errbuf : cu.easy_strerror(rc);
    if (!impl_->sslError.empty()) reason += " (" + impl_->sslError + ")";
    if (transfer.overLimit || rc == CURLE_FILESIZE_EXCEEDED)
        throw Error(ErrorKind::Protocol,
                    fmt::format(fmt::runtime(_("the answer is larger than {0} bytes")),
                                o.maxResponseBytes),
                    request.url);
    if (isNetworkError(rc))
        throw retryableError(
            ErrorKind::Network,
            fmt::format(fmt::runtime(_("the server cannot be reached: {0}")), reason),
            request.url);
    if (isTlsError(rc))
        throw Error(ErrorKind::Tls,
                    fmt::format(fmt::runtime(_("secure connection failed: {0}")), reason),
                    request.url);
    if (rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL)
        throw Error(ErrorKind::Config, fmt::format(fmt::runtime(_("bad address: {0}")), reason),
                    request.url);
    throw Error(ErrorKind::Protocol, reason, request.url);
}

}  // namespace certagent::http
