#include "quota.hpp"

#include "ossl.hpp"
#include "text.hpp"

namespace certagent::timestamps {

using json = nlohmann::json;

json toJson(const Quota& q) {
    json j = {{"remaining", q.remaining}, {"source", q.source}, {"as_of", q.asOf}};
    j["total"] = q.total ? json(*q.total) : json(nullptr);
    j["used"] = q.used ? json(*q.used) : json(nullptr);
    j["tsa_url"] = q.tsaUrl.empty() ? json(nullptr) : json(q.tsaUrl);
    return j;
}

Quota quotaFromJson(const json& j) {
    Quota q;
    q.remaining = j.at("remaining").get<long long>();
    if (j.contains("total") && j["total"].is_number_integer())
        q.total = j["total"].get<long long>();
    if (j.contains("used") && j["used"].is_number_integer()) q.used = j["used"].get<long long>();
    if (j.contains("tsa_url") && j["tsa_url"].is_string()) q.tsaUrl = j["tsa_url"];
    q.source = j.value("source", "portal");
    q.asOf = j.value("as_of", "");
    return q;
}

Quota fetchPortalQuota(Transport& transport, const std::string& portal_url,
                       const std::string& ca_bundle, const json& client_certificate,
                       std::time_t now) {
    std::string base = portal_url;
    if (base.empty() || base.back() != '/') base += '/';
    HttpRequest req;
    req.method = "GET";
    req.url = base + "api/v1/timestamps/quota";
    req.headers = {{"Accept", "application/json"}};
    req.caBundle = ca_bundle;
    req.maxBytes = 64 * 1024;
    req.clientCertificate = client_certificate;
    HttpAnswer r;
    try {
        r = transport.perform(req);
    } catch (const TransportError& e) {
        throw sdk::PluginError(e.retryable() ? CA_ERR_RETRY : CA_ERR_FAILED,
                               req.url + ": " + e.what());
    }
    auto failed = [&](const std::string& message) {
        return sdk::PluginError(CA_ERR_FAILED, req.url + ": " + message);
    };
    json j;
    try {
        j = json::parse(r.body);
    } catch (const std::exception&) {
        throw failed(say(_("the CA's quota answer is not JSON (HTTP {0})"), r.status));
    }
    if (r.status != 200) {
        std::string message, code;
        if (j.is_object() && j.contains("error") && j["error"].is_object()) {
            message = j["error"].value("message", "");
            code = j["error"].value("code", "");
        }
        throw failed(say(_("the CA refused to show the timestamp quota (HTTP {0} {1}): {2}"),
                         r.status, code, message));
    }
    try {
        Quota q = quotaFromJson(j);
        q.source = "portal";
        q.asOf = ossl::isoTime(now);
        return q;
    } catch (const std::exception&) {
        throw failed(_("the CA's quota answer lacks the remaining count"));
    }
}

}  // namespace certagent::timestamps
