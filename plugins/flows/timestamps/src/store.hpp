#pragma once
// The plugin's own state: one SQLite database in its private folder
// (<state dir>/plugins/timestamps/timestamps.db, certagent.state/1's folder), not the agent's
// key/value store, because the quota and its low-quota reminder flag must change in one
// transaction and the history is a table read newest first with a limit. WAL and a busy timeout
// let the tray and a CLI command use it at the same time; every change is one transaction.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "quota.hpp"

struct sqlite3;

namespace certagent::timestamps {

// One timestamp made on this computer.
struct HistoryEntry {
    int64_t id = 0;
    std::string kind;  // "file" (detached .tsr) | "signature" (PAdES/CAdES B-T)
    std::string file;  // absolute path of the timestamped file (or the signed file)
    std::string hashAlgorithm;
    std::string hashHex;  // of the file, or of the signature value for "signature"
    std::string genTime;  // ISO 8601 UTC, the TSA's time
    std::string tsaSerial;
    std::string tsaSubject;
    std::string tsaUrl;
    std::string createdAt;  // local clock, ISO 8601 UTC
};

nlohmann::json toJson(const HistoryEntry& e);

class Store {
public:
    // Opens (creates) the database; throws sdk::PluginError when it cannot.
    explicit Store(const std::filesystem::path& db_file);
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    int64_t addHistory(const HistoryEntry& entry);
    void removeHistory(int64_t id);
    std::vector<HistoryEntry> history(int limit = 100);  // newest first
    std::size_t historyCount();

    std::optional<Quota> quota();  // an unreadable value is an unknown quota
    // Saves `quota`. When it is below `threshold` and no reminder went out since it was last at
    // or above it, calls remind(quota) in the same transaction (so a failed save sends none and
    // a failed reminder is not marked as sent). Returns true when it reminded.
    bool updateQuota(const Quota& quota, long long threshold,
                     const std::function<void(const Quota&)>& remind);

private:
    class Statement;
    void exec(const char* sql);
    template <typename Fn>
    auto transaction(Fn&& fn);

    std::mutex mutex_;
    sqlite3* db_ = nullptr;
    std::filesystem::path file_;
};

}  // namespace certagent::timestamps
