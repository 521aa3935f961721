#include "journal.hpp"

#include <fmt/format.h>
#include <openssl/rand.h>
#include <sqlite3.h>

#include "encoding.hpp"
#include "failure.hpp"

namespace certagent::renewal {
namespace {

using nlohmann::json;

// The record is kept whole as JSON (one row, one transaction) with the columns queries need.
// user_version counts the migrations applied.
const char* const kMigrations[] = {
    R"sql(
CREATE TABLE renewals (
    id TEXT PRIMARY KEY,
    token TEXT NOT NULL,
    cert_id TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX renewals_by_cert ON renewals (token, cert_id, state);
CREATE TABLE renewal_steps (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    renewal_id TEXT NOT NULL,
    step TEXT NOT NULL,
    phase TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    at TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX renewal_steps_by_id ON renewal_steps (renewal_id, seq);
CREATE TABLE renewal_values (
    renewal_id TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (renewal_id, key)
);
)sql",
};

std::string newId() {
    unsigned char b[16];
    if (RAND_bytes(b, sizeof b) != 1) throw Failure(code::kInternal, "RAND_bytes failed");
    b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
    b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
    std::string s;
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
        s += fmt::format("{:02x}", b[i]);
    }
    return s;
}

std::string row(const RenewalRecord& r) {
    json j = r.toJson();
    j.erase("history");
    return j.dump();
}

}  // namespace

class Journal::Statement {
  public:
    Statement(sqlite3* db, const char* sql) : db_(db) {
        if (sqlite3_prepare_v2(db, sql, -1, &st_, nullptr) != SQLITE_OK)
            throw Failure(code::kIo, sqlite3_errmsg(db), "renewal journal");
    }
    ~Statement() { sqlite3_finalize(st_); }
    template <typename... T>
    Statement& bind(const T&... values) {
        int i = 0;
        (sqlite3_bind_text(st_, ++i, text(values).c_str(), -1, SQLITE_TRANSIENT), ...);
        return *this;
    }
    bool step() {
        int rc = sqlite3_step(st_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        throw Failure(code::kIo, sqlite3_errmsg(db_), "renewal journal");
    }
    std::string column(int i) {
        auto* t = sqlite3_column_text(st_, i);
        return t ? reinterpret_cast<const char*>(t) : "";
    }

  private:
    static std::string text(const std::string& s) { return s; }
    static std::string text(const char* s) { return s; }
    sqlite3* db_;
    sqlite3_stmt* st_ = nullptr;
};

Journal::Journal(const std::filesystem::path& file, std::function<int64_t()> nowMs)
    : now_(std::move(nowMs)) {
    if (sqlite3_open_v2(reinterpret_cast<const char*>(file.u8string().c_str()), &db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        nullptr) != SQLITE_OK) {
        std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        db_ = nullptr;
        throw Failure(code::kIo, why, file.string());
    }
    sqlite3_busy_timeout(db_, 10'000);
    exec("PRAGMA journal_mode=WAL;");
    exec("PRAGMA synchronous=FULL;");
    std::lock_guard lock(mutex_);
    transaction([&] {
        Statement v(db_, "PRAGMA user_version;");
        v.step();
        const auto applied = static_cast<std::size_t>(std::stoi(v.column(0)));
        const auto total = std::size(kMigrations);
        for (auto i = applied; i < total; ++i) exec(kMigrations[i]);
        if (applied < total) exec(fmt::format("PRAGMA user_version={};", total).c_str());
    });
}

Journal::~Journal() { sqlite3_close(db_); }

void Journal::exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
        std::string why = err ? err : "sqlite error";
        sqlite3_free(err);
        throw Failure(code::kIo, why, "renewal journal");
    }
}

template <typename Fn>
void Journal::transaction(Fn&& fn) {
    // IMMEDIATE: the write lock is taken now, so two processes never deadlock upgrading.
    exec("BEGIN IMMEDIATE;");
    try {
        fn();
        exec("COMMIT;");
    } catch (...) {
        sqlite3_exec(db_, "ROLLBACK;", nullptr, nullptr, nullptr);
        throw;
    }
}

RenewalRecord Journal::create(RenewalRecord draft) {
    std::lock_guard lock(mutex_);
    draft.id = newId();
    draft.createdAt = draft.updatedAt = isoUtc(now_());
    transaction([&] {
        Statement(db_,
                  "INSERT INTO renewals (id, token, cert_id, state, created_at, updated_at, "
                  "data) VALUES (?, ?, ?, ?, ?, ?, ?)")
            .bind(draft.id, draft.token, draft.certId, stateName(draft.state), draft.createdAt,
                  draft.updatedAt, row(draft))
            .step();
    });
    return draft;
}

void Journal::saveLocked(RenewalRecord& r) {
    r.updatedAt = isoUtc(now_());
    Statement(db_, "UPDATE renewals SET state = ?, updated_at = ?, data = ? WHERE id = ?")
        .bind(stateName(r.state), r.updatedAt, row(r), r.id)
        .step();
    if (sqlite3_changes(db_) != 1)
        throw Failure(code::kState, "no such renewal in the journal", r.id);
}

void Journal::save(RenewalRecord& r) {
    std::lock_guard lock(mutex_);
    transaction([&] { saveLocked(r); });
}

void Journal::insertHistory(const std::string& id, const HistoryEntry& e) {
    Statement(db_,
              "INSERT INTO renewal_steps (renewal_id, step, phase, status, at, detail) "
              "VALUES (?, ?, ?, ?, ?, ?)")
        .bind(id, stepName(e.step), e.phase, e.status, isoUtc(now_()), e.detail)
        .step();
}

void Journal::stepEvent(RenewalRecord& r, Step step, const std::string& phase,
                        const std::string& status, const std::string& detail) {
    stepEvents(r, {{step, phase, status, {}, detail}});
}

void Journal::stepEvents(RenewalRecord& r, const std::vector<HistoryEntry>& entries) {
    std::lock_guard lock(mutex_);
    transaction([&] {
        for (const auto& e : entries) insertHistory(r.id, e);
        saveLocked(r);
    });
}

std::optional<RenewalRecord> Journal::load(const std::string& id, bool withHistory) {
    std::lock_guard lock(mutex_);
    Statement q(db_, "SELECT data FROM renewals WHERE id = ?");
    q.bind(id);
    if (!q.step()) return std::nullopt;
    auto r = RenewalRecord::fromJson(json::parse(q.column(0)));
    if (withHistory) {
        Statement h(db_,
                    "SELECT step, phase, status, at, detail FROM renewal_steps WHERE "
                    "renewal_id = ? ORDER BY seq");
        h.bind(id);
        while (h.step())
            r.history.push_back({parseStep(h.column(0)).value_or(Step::Preflight), h.column(1),
                                 h.column(2), h.column(3), h.column(4)});
    }
    return r;
}

std::vector<RenewalRecord> Journal::list(bool openOnly) {
    std::lock_guard lock(mutex_);
    std::string sql = "SELECT data FROM renewals";
    if (openOnly) sql += " WHERE state NOT IN ('done', 'failed', 'cancelled')";
    sql += " ORDER BY created_at DESC, rowid DESC";
    Statement q(db_, sql.c_str());
    std::vector<RenewalRecord> out;
    while (q.step()) out.push_back(RenewalRecord::fromJson(json::parse(q.column(0))));
    return out;
}

std::optional<RenewalRecord> Journal::findOpen(const std::string& token,
                                               const std::string& certId) {
    std::lock_guard lock(mutex_);
    std::string id;
    {
        Statement q(db_,
                    "SELECT id FROM renewals WHERE token = ? AND cert_id = ? AND state NOT "
                    "IN ('done', 'failed', 'cancelled') ORDER BY created_at DESC LIMIT 1");
        q.bind(token, certId);
        if (!q.step()) return std::nullopt;
        id = q.column(0);
    }
    return load(id);
}

std::optional<std::string> Journal::value(const std::string& id, const std::string& key) {
    std::lock_guard lock(mutex_);
    Statement q(db_, "SELECT value FROM renewal_values WHERE renewal_id = ? AND key = ?");
    q.bind(id, key);
    if (!q.step()) return std::nullopt;
    return q.column(0);
}

void Journal::setValue(const std::string& id, const std::string& key, const std::string& value) {
    std::lock_guard lock(mutex_);
    transaction([&] {
        Statement(db_,
                  "INSERT OR REPLACE INTO renewal_values (renewal_id, key, value) VALUES "
                  "(?, ?, ?)")
            .bind(id, key, value)
            .step();
    });
}

}  // namespace certagent::renewal
