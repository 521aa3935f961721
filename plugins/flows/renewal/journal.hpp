#pragma once
// The renewal journal: the plugin's own SQLite database (<state dir>/plugins/renewal/
// journal.sqlite, WAL, synchronous=FULL). Every write is one transaction, committed before the
// caller relies on it; a kill -9 anywhere leaves the last committed step. Several processes
// may open it at once (the tray and `certagent-cli renewals`): writers wait for each other.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "record.hpp"

struct sqlite3;

namespace certagent::renewal {

class Journal {
  public:
    // Opens (creating and migrating) the database; nowMs stamps records. Throws Failure(io).
    Journal(const std::filesystem::path& file, std::function<int64_t()> nowMs);
    ~Journal();
    Journal(const Journal&) = delete;
    Journal& operator=(const Journal&) = delete;

    // A new record with a fresh id, created (state running, step preflight) in one transaction.
    RenewalRecord create(RenewalRecord draft);
    void save(RenewalRecord& record);  // stamps updatedAt
    std::optional<RenewalRecord> load(const std::string& id, bool withHistory = true);
    // Newest first. openOnly: not done/failed/cancelled.
    std::vector<RenewalRecord> list(bool openOnly = false);
    // The open renewal of this certificate, if any (at most one).
    std::optional<RenewalRecord> findOpen(const std::string& token, const std::string& certId);

    // Appends to the history and saves the record, in one transaction.
    void stepEvent(RenewalRecord& record, Step step, const std::string& phase,
                   const std::string& status, const std::string& detail = {});
    // Several history entries and the record, in one transaction.
    void stepEvents(RenewalRecord& record, const std::vector<HistoryEntry>& entries);

    std::optional<std::string> value(const std::string& id, const std::string& key);
    void setValue(const std::string& id, const std::string& key, const std::string& value);

  private:
    class Statement;
    void exec(const char* sql);
    template <typename Fn>
    void transaction(Fn&& fn);
    void saveLocked(RenewalRecord& r);
    void insertHistory(const std::string& id, const HistoryEntry& e);

    sqlite3* db_ = nullptr;
    std::function<int64_t()> now_;
    std::recursive_mutex mutex_;
};

}  // namespace certagent::renewal
