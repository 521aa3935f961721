// Read-only views: the holder's certificates, the product catalogue, the timestamp quota.
#include "portal.hpp"
#include "products.hpp"
#include "registry.hpp"

#include <sstream>

namespace certagent::sandbox {

Reply Portal::listCertificates(Ctx& ctx) {
    requireActiveAccount(ctx);
    auto page = parsePage(ctx.req);
    // ?status=active,expired,revoked (portal toggles "Arată certificate expirate/revocate").
    std::vector<std::string> statuses;
    std::string wanted = ctx.req.has_param("status") ? ctx.req.get_param_value("status") : "active";
    std::istringstream in(wanted);
    for (std::string s; std::getline(in, s, ',');) {
        for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (s != "ACTIVE" && s != "EXPIRED" && s != "REVOKED")
            throw ApiError(400, "INVALID_PARAMETER",
                           "status is a comma-separated list of active, expired, revoked",
                           {{"parameter", "status"}, {"value", s}});
        statuses.push_back(s);
    }
    auto rows = sandbox::listCertificates(db_, ctx.user().record.holder_id, statuses,
                                          page.after_seq, page.limit + 1);
    bool more = rows.size() > static_cast<size_t>(page.limit);
    if (more) rows.pop_back();
    nlohmann::json items = nlohmann::json::array();
    long long now = nowEpoch();
    for (const auto& r : rows) items.push_back(certJson(r, now));
    return jsonReply(200, pageJson(items, more, rows.empty() ? 0 : rows.back().seq));
}

Reply Portal::getCertificate(Ctx& ctx) {
    requireActiveAccount(ctx);
    auto rec = findCertificate(db_, ctx.param(1));
    if (!rec || rec->holder_id != ctx.user().record.holder_id)
        throw ApiError(404, "CERTIFICATE_NOT_FOUND", "no certificate of yours has this serial",
                       {{"serial", ctx.param(1)}});
    auto j = certJson(*rec, nowEpoch());
    j["certificate_pem"] = rec->pem;
    j["chain_pem"] = ca_.chain_pem;
    return jsonReply(200, j);
}

Reply Portal::listProducts(Ctx& ctx) {
    auto page = parsePage(ctx.req);
    const auto& all = productCatalogue();
    nlohmann::json items = nlohmann::json::array();
    long long seq = page.after_seq;
    for (;
         seq < static_cast<long long>(all.size()) && items.size() < static_cast<size_t>(page.limit);
         ++seq)
        items.push_back(productJson(all[static_cast<size_t>(seq)]));
    return jsonReply(200, pageJson(items, seq < static_cast<long long>(all.size()), seq));
}

Reply Portal::getTimestampQuota(Ctx& ctx) {
    requireActiveAccount(ctx);
    auto q = db_.prepare(
        "SELECT timestamps_total, timestamps_used FROM accounts "
        "WHERE holder_id = ?");
    q.bindAll(ctx.user().record.holder_id);
    q.step();
    long long total = q.integer(0), used = q.integer(1);
    // The sandbox's RFC 3161 listener (tsa_server.hpp); HTTP basic with `tsa-account`.
    return jsonReply(200, {{"total", total},
                           {"used", used},
                           {"remaining", total - used},
                           {"tsa_url", tsa_url_.empty() ? nlohmann::json(nullptr)
                                                        : nlohmann::json(tsa_url_)}});
}

}  // namespace certagent::sandbox
