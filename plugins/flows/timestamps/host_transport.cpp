#include "host_transport.hpp"

#include <openssl/crypto.h>
#include <strings.h>

namespace certagent::timestamps {
namespace {

void appendTo(void* user, const char* data, size_t len) {
    static_cast<std::string*>(user)->append(data, len);
}

void wipe(std::string& s) {
    if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
}

}  // namespace

HttpAnswer HostTransport::perform(const HttpRequest& request) {
    using json = nlohmann::json;
    const ca_http_v1* http = nullptr;
    try {
        http = &host_.require<ca_http_v1>(CA_EXT_HTTP);
    } catch (const sdk::HostError& e) {
        throw TransportError(e.what(), "unsupported", false);
    }
    json headers = json::object();
    bool credentials = false;
    for (const auto& [name, value] : request.headers) {
        headers[name] = value;
        if (name.size() == 13 && strncasecmp(name.c_str(), "authorization", 13) == 0)
            credentials = true;
    }
    // A TSA's answer is signed and fully checked, so plain http:// may go to any host; a
    // password only to this computer (the agent's client enforces both).
    json plain = false;
    if (request.allowPlainHttp) plain = credentials ? "loopback" : "any";
    json j = {{"method", request.method},
              {"url", request.url},
              {"headers", std::move(headers)},
              {"timeout_ms", request.timeout.count()},
              {"max_bytes", request.maxBytes},
              {"allow_plain_http", plain}};
    if (!request.caBundle.empty()) j["ca_bundle"] = request.caBundle;
    if (request.clientCertificate.is_object()) j["client_certificate"] = request.clientCertificate;
    std::string text = j.dump();
    for (auto& v : j["headers"]) wipe(v.get_ref<std::string&>());

    HttpAnswer answer;
    std::string meta;
    ca_status s = http->request(host_.ctx(), text.c_str(),
                                reinterpret_cast<const uint8_t*>(request.body.data()),
                                request.body.size(), &appendTo, &answer.body, &appendTo, &meta);
    wipe(text);
    json m;
    try {
        m = json::parse(meta.empty() ? std::string("{}") : meta);
    } catch (const std::exception&) {
        m = json::object();
    }
    if (s != CA_OK) {
        std::string message = meta, code;
        if (m.is_object() && m.contains("error") && m["error"].is_object()) {
            message = m["error"].value("message", meta);
            code = m["error"].value("code", "");
        }
        throw TransportError(message.empty() ? "http.request failed" : message, code,
                             s == CA_ERR_RETRY);
    }
    answer.status = m.value("status", 0L);
    if (auto h = m.find("headers"); h != m.end() && h->is_object())
        for (const auto& [name, value] : h->items())
            if (value.is_string()) answer.headers[name] = value.get<std::string>();
    return answer;
}

}  // namespace certagent::timestamps
