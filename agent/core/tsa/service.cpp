#include "certagent/core/tsa/service.hpp"

#include <fmt/format.h>

#include <fstream>
#include <system_error>

#include "certagent/core/agent.hpp"
#include "certagent/core/error.hpp"
#include "certagent/core/files.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"

#include "certagent/core/tsa/quota.hpp"
#include "certagent/core/tsa/tsa_error.hpp"
#include "ossl_util.hpp"

namespace certagent::tsa {
namespace fs = std::filesystem;

namespace {

std::string hex(const std::vector<uint8_t>& v) { return detail::hexUpper(v.data(), v.size()); }

}  // namespace

fs::path tsrPathFor(const fs::path& file) {
    fs::path p = file;
    p += ".tsr";
    return p;
}

nlohmann::json toJson(const StampResult& r) {
    return {
        {"file", r.file.string()},
        {"tsr", r.tsr.string()},
        {"time", r.timestamp.info.genTime},
        {"tsa_serial", r.timestamp.info.serialHex},
        {"tsa", r.timestamp.info.tsaSubject},
        {"policy", r.timestamp.info.policyOid},
        {"hash_algorithm", r.timestamp.info.hashAlgorithm},
        {"hash", hex(r.timestamp.info.imprint)},
        {"quota_remaining", r.timestamp.quotaRemaining ? nlohmann::json(*r.timestamp.quotaRemaining)
                                                       : nlohmann::json(nullptr)},
        {"history_id", r.entry.id}};
}

void noteQuota(Agent& agent, const Timestamp& ts) {
    if (!ts.quotaRemaining || !agent.hasStore()) return;
    try {
        Quota q;
        q.remaining = *ts.quotaRemaining;
        q.source = "tsa";
        q.asOf = detail::isoTime(std::chrono::system_clock::to_time_t(agent.clock().now()));
        QuotaCache cache(agent.store());
        if (auto old = cache.load()) {  // keep what the portal told us about the totals
            q.total = old->total;
            if (q.total) q.used = *q.total - q.remaining;
            q.tsaUrl = old->tsaUrl;
        }
        cache.update(q, agent.config().getInt("timestamps.low_quota"), agent.notifier());
    } catch (const std::exception& e) {
        log::warn("tsa", "cannot record the timestamp quota: {}", e.what());
    }
}

StampResult stampFile(Agent& agent, TsaClient& client, const fs::path& file, bool overwrite) {
    std::error_code ec;
    if (!fs::is_regular_file(file, ec))
        throw Error(ErrorKind::InvalidInput, _("the file does not exist"), file.string());
    StampResult result;
    result.file = fs::absolute(file);
    result.tsr = tsrPathFor(result.file);
    if (fs::exists(result.tsr, ec) && !overwrite)
        throw Error(ErrorKind::Usage,
                    _("a timestamp file already exists; remove it or add --force"),
                    result.tsr.string());
    std::optional<History> history;
    if (agent.hasStore()) history.emplace(agent.store());

    result.timestamp = client.timestampFile(result.file);
    writeFileAtomically(result.tsr, result.timestamp.response);
    if (history) {
        auto& e = result.entry;
        e.kind = "file";
        e.file = result.file.string();
        e.hashAlgorithm = result.timestamp.info.hashAlgorithm;
        e.hashHex = hex(result.timestamp.info.imprint);
        e.genTime = result.timestamp.info.genTime;
        e.tsaSerial = result.timestamp.info.serialHex;
        e.tsaSubject = result.timestamp.info.tsaSubject;
        e.tsaUrl = result.timestamp.url;
        e.createdAt = detail::isoTime(std::time(nullptr));
        try {
            e.id = history->add(e);
        } catch (...) {
            fs::remove(result.tsr, ec);  // a .tsr without its history row would be a half step
            throw;
        }
    }
    noteQuota(agent, result.timestamp);
    return result;
}

pdf::Timestamper makeTimestamper(TsaClient& client,
                                 std::shared_ptr<std::vector<Timestamp>> obtained) {
    return [&client, obtained](std::span<const uint8_t> signature_value) {
        auto digest = digestData(signature_value, client.mdNid());
        auto ts = client.timestampDigest(digest);
        auto token = ts.token;
        if (obtained) obtained->push_back(std::move(ts));
        return token;
    };
}

SignatureTimestamper::SignatureTimestamper(Agent& agent)
    : agent_(agent),
      client_(std::make_unique<TsaClient>(settingsFrom(agent.config()))),
      obtained_(std::make_shared<std::vector<Timestamp>>()) {}

SignatureTimestamper::~SignatureTimestamper() = default;

pdf::Timestamper SignatureTimestamper::timestamper() {
    return makeTimestamper(*client_, obtained_);
}

void SignatureTimestamper::recordSaved(const fs::path& signed_file) {
    for (const auto& ts : *obtained_) {
        if (agent_.hasStore()) {
            HistoryEntry e;
            e.kind = "signature";
            e.file = fs::absolute(signed_file).string();
            e.hashAlgorithm = ts.info.hashAlgorithm;
            e.hashHex = hex(ts.info.imprint);
            e.genTime = ts.info.genTime;
            e.tsaSerial = ts.info.serialHex;
            e.tsaSubject = ts.info.tsaSubject;
            e.tsaUrl = ts.url;
            e.createdAt = detail::isoTime(std::time(nullptr));
            History(agent_.store()).add(e);
        }
        noteQuota(agent_, ts);
    }
    obtained_->clear();
}

void registerHostMethods(Agent& agent) {
    auto& s = agent.services();
    if (s.hasMethod("timestamps.quota")) return;
    Agent* a = &agent;
    s.registerMethod("timestamps.quota", [a](const std::string&, const json&) -> json {
        long long low = a->config().getInt("timestamps.low_quota");
        std::optional<Quota> q;
        if (a->hasStore()) q = QuotaCache(a->store()).load();
        json labels = {{"title", _("Timestamps")}, {"action_label", _("Timestamp a file…")}};
        if (!q) {
            labels.update(
                {{"known", false}, {"low_quota", low}, {"label", _("Timestamps: quota unknown")}});
            return labels;
        }
        json j = toJson(*q);
        j.update(labels);
        j["known"] = true;
        j["low_quota"] = low;
        j["low"] = q->remaining < low;
        j["label"] = fmt::format(fmt::runtime(_("Timestamps left: {0}")), q->remaining);
        return j;
    });
    s.registerMethod("timestamps.history", [a](const std::string&, const json& args) -> json {
        json items = json::array();
        if (a->hasStore())
            for (const auto& e : History(a->store()).list(args.value("limit", 100)))
                items.push_back(toJson(e));
        return {{"items", items}};
    });
    s.registerMethod("timestamps.stamp_file", [a](const std::string&, const json& args) -> json {
        auto path = args.value("path", "");
        if (path.empty()) throw Error(ErrorKind::Usage, _("no file was given to timestamp"));
        TsaClient client(settingsFrom(a->config()));
        auto result = toJson(stampFile(*a, client, path, args.value("overwrite", false)));
        // What the tray shows the user once it is done.
        result["message"] = fmt::format(fmt::runtime(_("Timestamped {0}.\nThe timestamp is saved as {1}.")),
                                        result["file"].get<std::string>(),
                                        result["tsr"].get<std::string>());
        return result;
    });
}


}  // namespace certagent::tsa
