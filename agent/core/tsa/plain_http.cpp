#include "plain_http.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <mutex>

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"

namespace certagent::tsa::detail {
namespace {

struct Sink {
    http::Response* response;
    std::size_t limit;
    bool over = false;
};

size_t onBody(char* data, size_t size, size_t n, void* user) {
    auto* s = static_cast<Sink*>(user);
    if (s->response->body.size() + size * n > s->limit) {
        s->over = true;
        return 0;
    }
    s->response->body.append(data, size * n);
    return size * n;
}

size_t onHeader(char* data, size_t size, size_t n, void* user) {
    std::string line(data, size * n);
    auto* headers = static_cast<std::map<std::string, std::string>*>(user);
    if (line.rfind("HTTP/", 0) == 0) headers->clear();
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

}  // namespace

bool isLoopbackUrl(const std::string& url) {
    auto scheme = url.find("://");
    if (scheme == std::string::npos) return false;
    std::string host = url.substr(scheme + 3);
    host = host.substr(0, host.find('/'));
    if (auto at = host.rfind('@'); at != std::string::npos) host = host.substr(at + 1);
    if (host.rfind("[::1]", 0) == 0) return true;
    host = host.substr(0, host.find(':'));
    return host == "localhost" || host.rfind("127.", 0) == 0;
}

http::Response PlainHttpClient::perform(const http::Request& request) {
    if (request.url.rfind("http://", 0) != 0)
        throw Error(ErrorKind::Usage, _("only http:// addresses are handled here"), request.url);
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
    if (!curl) throw Error(ErrorKind::Internal, "curl_easy_init failed");
    CURL* c = curl.get();
    http::Response response;
    Sink sink{&response, options_.maxResponseBytes};
    char errbuf[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options_.connectTimeout.count()));
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, options_.userAgent.c_str());
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, onBody);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, onHeader);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &response.headers);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    if (request.method == "GET") {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                         static_cast<curl_off_t>(request.body.size()));
    }
    struct curl_slist* list = nullptr;
    if (!request.contentType.empty())
        list = curl_slist_append(list, ("Content-Type: " + request.contentType).c_str());
    list = curl_slist_append(list, "Expect:");
    for (const auto& h : request.headers) list = curl_slist_append(list, h.c_str());
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
    CURLcode rc = curl_easy_perform(c);
    curl_slist_free_all(list);  // holds a copy of the Authorization header: freed right away
    if (rc == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
        log::debug("tsa", "{} {} -> {}", request.method, request.url, response.status);
        return response;
    }
    std::string reason = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    if (sink.over)
        throw Error(ErrorKind::Protocol,
                    fmt::format(fmt::runtime(_("the answer is larger than {0} bytes")),
                                options_.maxResponseBytes),
                    request.url);
    if (rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL)
        throw Error(ErrorKind::Config, fmt::format(fmt::runtime(_("bad address: {0}")), reason),
                    request.url);
    throw retryableError(ErrorKind::Network,
                         fmt::format(fmt::runtime(_("the server cannot be reached: {0}")), reason),
                         request.url);
}

}  // namespace certagent::tsa::detail
