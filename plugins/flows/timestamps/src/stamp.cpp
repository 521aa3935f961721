#include "stamp.hpp"

#include <fstream>
#include <system_error>

#include "ossl.hpp"
#include "text.hpp"

namespace certagent::timestamps {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

void writeFileAtomically(const fs::path& target, std::span<const uint8_t> bytes) {
    fs::path part = target;
    part += ".part";
    std::error_code ec;
    auto cannot = [&] {
        fs::remove(part, ec);
        return sdk::PluginError(CA_ERR_FAILED,
                                target.string() + ": " + _("the file cannot be written"));
    };
    {
        std::ofstream out(part, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(bytes.data()),
                  static_cast<std::streamsize>(bytes.size()));
        out.flush();
        if (!out) throw cannot();
    }
    fs::rename(part, target, ec);
    if (ec) throw cannot();
}

}  // namespace

fs::path tsrPathFor(const fs::path& file) {
    fs::path p = file;
    p += ".tsr";
    return p;
}

json toJson(const StampResult& r) {
    const auto& info = r.timestamp.info;
    return {{"file", r.file.string()},
            {"tsr", r.tsr.string()},
            {"time", info.genTime},
            {"tsa_serial", info.serialHex},
            {"tsa", info.tsaSubject},
            {"policy", info.policyOid},
            {"hash_algorithm", info.hashAlgorithm},
            {"hash", ossl::hexUpper(info.imprint)},
            {"quota_remaining", r.timestamp.quotaRemaining ? json(*r.timestamp.quotaRemaining)
                                                           : json(nullptr)},
            {"history_id", r.entry.id}};
}

HistoryEntry historyEntry(const Timestamp& ts, const std::string& kind, const fs::path& file,
                          std::time_t now) {
    HistoryEntry e;
    e.kind = kind;
    e.file = file.string();
    e.hashAlgorithm = ts.info.hashAlgorithm;
    e.hashHex = ossl::hexUpper(ts.info.imprint);
    e.genTime = ts.info.genTime;
    e.tsaSerial = ts.info.serialHex;
    e.tsaSubject = ts.info.tsaSubject;
    e.tsaUrl = ts.url;
    e.createdAt = ossl::isoTime(now);
    return e;
}

StampResult stampFile(TsaClient& client, Store* store, const fs::path& file, bool overwrite,
                      std::time_t now) {
    std::error_code ec;
    if (!fs::is_regular_file(file, ec))
        throw sdk::PluginError(CA_ERR_FAILED, file.string() + ": " + _("the file does not exist"));
    StampResult result;
    result.file = fs::absolute(file);
    result.tsr = tsrPathFor(result.file);
    if (fs::exists(result.tsr, ec) && !overwrite)
        throw sdk::PluginError(CA_ERR_INVALID_ARGUMENT,
                               result.tsr.string() + ": " +
                                   _("a timestamp file already exists; remove it or add --force"));

    result.timestamp = client.timestampFile(result.file);
    writeFileAtomically(result.tsr, result.timestamp.response);
    if (store) {
        result.entry = historyEntry(result.timestamp, "file", result.file, now);
        try {
            result.entry.id = store->addHistory(result.entry);
        } catch (...) {
            fs::remove(result.tsr, ec);  // a .tsr without its history row would be a half step
            throw;
        }
    }
    return result;
}

bool noteQuota(Store& store, const Timestamp& ts, long long threshold,
               const std::function<void(const Quota&)>& remind, std::time_t now) {
    if (!ts.quotaRemaining) return false;
    Quota q;
    q.remaining = *ts.quotaRemaining;
    q.source = "tsa";
    q.asOf = ossl::isoTime(now);
    if (auto old = store.quota()) {  // keep what the portal told us about the totals
        q.total = old->total;
        if (q.total) q.used = *q.total - q.remaining;
        q.tsaUrl = old->tsaUrl;
    }
    return store.updateQuota(q, threshold, remind);
}

}  // namespace certagent::timestamps
