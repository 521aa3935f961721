#include "certagent/core/tsa/quota.hpp"

#include <fmt/format.h>

#include "certagent/core/error.hpp"
#include "certagent/core/host_services.hpp"
#include "certagent/core/http/client.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"
#include "certagent/core/state_store.hpp"
#include "ossl_util.hpp"

namespace certagent::tsa {

nlohmann::json toJson(const Quota& q) {
    nlohmann::json j = {{"remaining", q.remaining}, {"source", q.source}, {"as_of", q.asOf}};
    j["total"] = q.total ? nlohmann::json(*q.total) : nlohmann::json(nullptr);
    j["used"] = q.used ? nlohmann::json(*q.used) : nlohmann::json(nullptr);
    j["tsa_url"] = q.tsaUrl.empty() ? nlohmann::json(nullptr) : nlohmann::json(q.tsaUrl);
    return j;
}

Quota quotaFromJson(const nlohmann::json& j) {
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

Quota fetchPortalQuota(const std::string& portal_url, const std::filesystem::path& ca_bundle,
                       X509* cert, EVP_PKEY* key, std::time_t now) {
    http::ClientOptions o;
    o.caBundle = ca_bundle;
    o.maxResponseBytes = 64 * 1024;
    http::CurlClient client(o);
    if (cert && key) client.setClientCertificate(cert, key);
    std::string base = portal_url;
    if (base.empty() || base.back() != '/') base += '/';
    http::Request req;
    req.url = base + "api/v1/timestamps/quota";
    req.headers.push_back("Accept: application/json");
    auto r = client.perform(req);
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(r.body);
    } catch (const std::exception&) {
        throw Error(
            ErrorKind::Protocol,
            fmt::format(fmt::runtime(_("the CA's quota answer is not JSON (HTTP {0})")), r.status),
            req.url);
    }
    if (r.status != 200) {
        std::string message, code;
        if (j.is_object() && j.contains("error") && j["error"].is_object()) {
            message = j["error"].value("message", "");
            code = j["error"].value("code", "");
        }
        throw Error(ErrorKind::Rejected,
                    fmt::format(fmt::runtime(_("the CA refused to show the timestamp quota (HTTP "
                                               "{0} {1}): {2}")),
                                r.status, code, message),
                    req.url);
    }
    try {
        Quota q = quotaFromJson(j);
        q.source = "portal";
        q.asOf = detail::isoTime(now);
        return q;
    } catch (const std::exception&) {
        throw Error(ErrorKind::Protocol, _("the CA's quota answer lacks the remaining count"),
                    req.url);
    }
}

QuotaCache::QuotaCache(state::StateStore& store) : store_(store) {}

std::optional<Quota> QuotaCache::load() {
    auto text = store_.get("timestamps", "quota");
    if (!text) return std::nullopt;
    try {
        return quotaFromJson(nlohmann::json::parse(*text));
    } catch (const std::exception&) {
        return std::nullopt;  // an unreadable cache is an unknown quota
    }
}

void QuotaCache::save(const Quota& quota) {
    store_.put("timestamps", "quota", toJson(quota).dump());
}

bool QuotaCache::update(const Quota& quota, long long threshold, Notifier& notifier) {
    std::lock_guard lock(store_.mutex());
    bool sent = false;
    store_.transaction([&] {
        save(quota);
        bool notified = store_.get("timestamps", "low_quota_notified").has_value();
        if (quota.remaining >= threshold) {
            if (notified) store_.erase("timestamps", "low_quota_notified");
            return;
        }
        if (notified) return;
        nlohmann::json n = {
            {"title", _("Timestamps running low")},
            {"body", quota.remaining <= 0
                         ? std::string(_("No timestamps are left on your account. Buy more from "
                                         "your CA (\"Mărci temporale\")."))
                         : fmt::format(fmt::runtime(_("Only {0} timestamps are left on your "
                                                      "account. Buy more from your CA (\"Mărci "
                                                      "temporale\") before they run out.")),
                                       quota.remaining)},
            {"urgency", quota.remaining <= 0 ? "critical" : "normal"},
            {"plugin", "timestamps"},
            {"remaining", quota.remaining}};
        notifier.notify(n);
        store_.put("timestamps", "low_quota_notified", std::to_string(quota.remaining));
        sent = true;
    });
    if (sent) log::info("tsa", "low timestamp quota: {} left", quota.remaining);
    return sent;
}

}  // namespace certagent::tsa
