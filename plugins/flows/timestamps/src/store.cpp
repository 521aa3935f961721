#include "store.hpp"

#include <sqlite3.h>

#include "text.hpp"

namespace certagent::timestamps {

using json = nlohmann::json;

json toJson(const HistoryEntry& e) {
    return {{"id", e.id},
            {"kind", e.kind},
            {"file", e.file},
            {"hash_algorithm", e.hashAlgorithm},
            {"hash", e.hashHex},
            {"time", e.genTime},
            {"tsa_serial", e.tsaSerial},
            {"tsa", e.tsaSubject},
            {"tsa_url", e.tsaUrl},
            {"created_at", e.createdAt}};
}

namespace {

[[noreturn]] void fail(sqlite3* db, const std::filesystem::path& file) {
    throw sdk::PluginError(CA_ERR_FAILED,
                           file.string() + ": " + _("the timestamps database cannot be used") +
                               " (" + (db ? sqlite3_errmsg(db) : "out of memory") + ")");
}

}  // namespace

// A prepared statement, finalized when it goes.
class Store::Statement {
public:
    Statement(Store& s, const char* sql) : store_(s) {
        if (sqlite3_prepare_v2(s.db_, sql, -1, &stmt_, nullptr) != SQLITE_OK)
            fail(s.db_, s.file_);
    }
    ~Statement() { sqlite3_finalize(stmt_); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(int i, const std::string& v) {
        sqlite3_bind_text(stmt_, i, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
        return *this;
    }
    Statement& bind(int i, int64_t v) {
        sqlite3_bind_int64(stmt_, i, v);
        return *this;
    }
    bool step() {
        int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW) return true;
        if (rc != SQLITE_DONE) fail(store_.db_, store_.file_);
        return false;
    }
    int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
    std::string text(int col) const {
        auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
        return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
                 : std::string();
    }

private:
    Store& store_;
    sqlite3_stmt* stmt_ = nullptr;
};

template <typename Fn>
auto Store::transaction(Fn&& fn) {
    exec("BEGIN IMMEDIATE");
    try {
        if constexpr (std::is_void_v<decltype(fn())>) {
            fn();
            exec("COMMIT");
        } else {
            auto r = fn();
            exec("COMMIT");
            return r;
        }
    } catch (...) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
}

Store::Store(const std::filesystem::path& db_file) : file_(db_file) {
    int rc = sqlite3_open_v2(reinterpret_cast<const char*>(db_file.u8string().c_str()), &db_,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                             nullptr);
    if (rc != SQLITE_OK) {
        sqlite3* db = db_;
        db_ = nullptr;
        std::string why = db ? sqlite3_errmsg(db) : "out of memory";
        sqlite3_close(db);
        throw sdk::PluginError(CA_ERR_FAILED, db_file.string() + ": " +
                                                  _("the timestamps database cannot be used") +
                                                  " (" + why + ")");
    }
    try {
        sqlite3_busy_timeout(db_, 5000);
        exec("PRAGMA journal_mode=WAL");
        exec("PRAGMA synchronous=FULL");
        transaction([&] {
            exec(R"(
CREATE TABLE IF NOT EXISTS history(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  file TEXT NOT NULL,
  hash_algorithm TEXT NOT NULL,
  hash_hex TEXT NOT NULL,
  gen_time TEXT NOT NULL,
  tsa_serial TEXT NOT NULL,
  tsa_subject TEXT NOT NULL,
  tsa_url TEXT NOT NULL,
  created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS quota(
  id INTEGER PRIMARY KEY CHECK (id = 1),
  value TEXT NOT NULL,
  low_notified INTEGER NOT NULL DEFAULT 0);
PRAGMA user_version = 1;)");
        });
    } catch (...) {
        sqlite3_close(db_);
        throw;
    }
}

Store::~Store() { sqlite3_close(db_); }

void Store::exec(const char* sql) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail(db_, file_);
}

int64_t Store::addHistory(const HistoryEntry& e) {
    std::lock_guard lock(mutex_);
    return transaction([&] {
        Statement st(*this,
                     "INSERT INTO history(kind, file, hash_algorithm, hash_hex, gen_time, "
                     "tsa_serial, tsa_subject, tsa_url, created_at) VALUES(?,?,?,?,?,?,?,?,?)");
        st.bind(1, e.kind).bind(2, e.file).bind(3, e.hashAlgorithm).bind(4, e.hashHex);
        st.bind(5, e.genTime).bind(6, e.tsaSerial).bind(7, e.tsaSubject).bind(8, e.tsaUrl);
        st.bind(9, e.createdAt).step();
        return static_cast<int64_t>(sqlite3_last_insert_rowid(db_));
    });
}

void Store::removeHistory(int64_t id) {
    std::lock_guard lock(mutex_);
    transaction([&] { Statement(*this, "DELETE FROM history WHERE id = ?").bind(1, id).step(); });
}

std::vector<HistoryEntry> Store::history(int limit) {
    std::lock_guard lock(mutex_);
    Statement q(*this,
                "SELECT id, kind, file, hash_algorithm, hash_hex, gen_time, tsa_serial, "
                "tsa_subject, tsa_url, created_at FROM history ORDER BY id DESC LIMIT ?");
    q.bind(1, static_cast<int64_t>(limit));
    std::vector<HistoryEntry> out;
    while (q.step()) {
        HistoryEntry e;
        e.id = q.integer(0);
        e.kind = q.text(1);
        e.file = q.text(2);
        e.hashAlgorithm = q.text(3);
        e.hashHex = q.text(4);
        e.genTime = q.text(5);
        e.tsaSerial = q.text(6);
        e.tsaSubject = q.text(7);
        e.tsaUrl = q.text(8);
        e.createdAt = q.text(9);
        out.push_back(std::move(e));
    }
    return out;
}

std::size_t Store::historyCount() {
    std::lock_guard lock(mutex_);
    Statement q(*this, "SELECT COUNT(*) FROM history");
    q.step();
    return static_cast<std::size_t>(q.integer(0));
}

std::optional<Quota> Store::quota() {
    std::lock_guard lock(mutex_);
    Statement q(*this, "SELECT value FROM quota WHERE id = 1");
    if (!q.step()) return std::nullopt;
    try {
        return quotaFromJson(json::parse(q.text(0)));
    } catch (const std::exception&) {
        return std::nullopt;  // an unreadable value is an unknown quota
    }
}

bool Store::updateQuota(const Quota& quota, long long threshold,
                        const std::function<void(const Quota&)>& remind) {
    std::lock_guard lock(mutex_);
    return transaction([&] {
        bool notified = false;
        {
            Statement q(*this, "SELECT low_notified FROM quota WHERE id = 1");
            if (q.step()) notified = q.integer(0) != 0;
        }
        const bool send = quota.remaining < threshold && !notified;
        // Back at or above the threshold (a new pack): the next crossing reminds again.
        if (quota.remaining >= threshold) notified = false;
        Statement(*this,
                  "INSERT INTO quota(id, value, low_notified) VALUES(1, ?, ?) "
                  "ON CONFLICT(id) DO UPDATE SET value = excluded.value, "
                  "low_notified = excluded.low_notified")
            .bind(1, toJson(quota).dump())
            .bind(2, static_cast<int64_t>(notified || send ? 1 : 0))
            .step();
        if (send && remind) remind(quota);  // throws: rolled back, not marked as sent
        return send;
    });
}

}  // namespace certagent::timestamps
