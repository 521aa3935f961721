#pragma once
// A file's detached timestamp (FILE.tsr) and the records every timestamp leaves: the history
// row, and the quota the TSA reported.
#include <ctime>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>

#include "client.hpp"
#include "store.hpp"

namespace certagent::timestamps {

struct StampResult {
    std::filesystem::path file;
    std::filesystem::path tsr;
    Timestamp timestamp;
    HistoryEntry entry;
};
// {"file", "tsr", "time", "tsa_serial", "tsa", "policy", "hash_algorithm", "hash",
//  "quota_remaining", "history_id"}
nlohmann::json toJson(const StampResult& r);

// Path of the detached timestamp next to `file`: FILE.tsr.
std::filesystem::path tsrPathFor(const std::filesystem::path& file);

// The history row of a timestamp: kind "file" or "signature", for `file`, made at `now`.
HistoryEntry historyEntry(const Timestamp& ts, const std::string& kind,
                          const std::filesystem::path& file, std::time_t now);

// Timestamps `file`, writes FILE.tsr (FILE.tsr.part, then renamed) and adds its history row
// (when there is a store; if the row cannot be added the .tsr is removed again). Nothing is
// written unless every check passed. Before any network call: the file must exist, and FILE.tsr
// must not (unless `overwrite`): sdk::PluginError(CA_ERR_INVALID_ARGUMENT) then.
StampResult stampFile(TsaClient& client, Store* store, const std::filesystem::path& file,
                      bool overwrite, std::time_t now);

// Records what the TSA said is left (X-Timestamps-Remaining), keeping the totals the portal
// reported, and reminds through `remind` once when it falls below `threshold`. Nothing when the
// TSA said nothing. Returns true when it reminded.
bool noteQuota(Store& store, const Timestamp& ts, long long threshold,
               const std::function<void(const Quota&)>& remind, std::time_t now);

}  // namespace certagent::timestamps
