// http:// transfers for answers that are signed and checked end to end: see plain_client.hpp.
#include "certagent/core/http/plain_client.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <memory>

#include "certagent/core/error.hpp"
#include "certagent/core/http/curl_api.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"

namespace certagent::http {
namespace {

struct Sink {
    Response* response;
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

Response PlainHttpClient::perform(const http::Request& request) {
    if (request.url.rfind("http://", 0) != 0)
        throw Error(ErrorKind::Usage, _("only http:// addresses are handled here"), request.url);
    const auto& cu = curl::api();
    std::unique_ptr<CURL, decltype(cu.easy_cleanup)> curl(cu.easy_init(), cu.easy_cleanup);
    if (!curl) throw Error(ErrorKind::Internal, "curl_easy_init failed");
    CURL* c = curl.get();
    Response response;
    Sink sink{&response, options_.maxResponseBytes};
    char errbuf[CURL_ERROR_SIZE] = {};
    cu.easy_setopt(c, CURLOPT_URL, request.url.c_str());
    cu.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
    cu.easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    cu.easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connectTimeout.count()));
    cu.easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
    cu.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    cu.easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    cu.easy_setopt(c, CURLOPT_USERAGENT, options_.userAgent.c_str());
    cu.easy_setopt(c, CURLOPT_WRITEFUNCTION, onBody);
    cu.easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    cu.easy_setopt(c, CURLOPT_HEADERFUNCTION, onHeader);
    cu.easy_setopt(c, CURLOPT_HEADERDATA, &response.headers);
    cu.easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    if (request.method == "GET") {
        cu.easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else {
        cu.easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
        cu.easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
    }
    struct curl_slist* list = nullptr;
    if (!request.contentType.empty())
        list = cu.slist_append(list, ("Content-Type: " + request.contentType).c_str());
    list = cu.slist_append(list, "Expect:");
    for (const auto& h : request.headers) list = cu.slist_append(list, h.c_str());
    cu.easy_setopt(c, CURLOPT_HTTPHEADER, list);
    CURLcode rc = cu.easy_perform(c);
    cu.slist_free_all(list);  // holds a copy of the Authorization header: freed right away
    if (rc == CURLE_OK) {
        cu.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
        log::debug("http", "{} {} -> {}", request.method, request.url, response.status);
        return response;
    }
    std::string reason = errbuf[0] ? errbuf : cu.easy_strerror(rc);
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

}  // namespace certagent::http
