#include "certagent/core/state_store.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include <utility>
#include <vector>

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/platform/system.hpp"

namespace certagent::state {
namespace fs = std::filesystem;
namespace {

[[noreturn]] void fail(sqlite3* db, const std::string& what) {
    throw Error(
        ErrorKind::State, fmt::format("{}: {}", what, db ? sqlite3_errmsg(db) : "out of memory"),
        db ? std::string(sqlite3_db_filename(db, "main") ? sqlite3_db_filename(db, "main") : "")
           : std::string());
}

// The core's own tables; other areas register theirs through ensureSchema.
const std::vector<std::string> kCoreMigrations = {
    R"sql(
    CREATE TABLE schema_areas (area TEXT PRIMARY KEY, version INTEGER NOT NULL);
    CREATE TABLE kv (ns TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
                     updated_at INTEGER NOT NULL DEFAULT (strftime('%s','now')),
                     PRIMARY KEY (ns, key));
    )sql",
};

// The agent must write its state: a folder or file it cannot write is named with the reason and
// what to do. This runs before SQLite touches anything, because SQLite's own error for it
// ("unable to open database file" at the first read, when the -wal/-shm files cannot be
// created) looks like a damaged database, and moving a healthy one away would lose a renewal
// journal.
void refuseWhenNotWritable(const fs::path& dir, const fs::path& file) {
    std::error_code ec;
    std::vector<fs::path> checks = {dir};
    for (const char* suffix : {"", "-wal", "-shm"}) {
        fs::path p = file.string() + suffix;
        if (fs::exists(p, ec)) checks.push_back(p);
    }
    for (const auto& path : checks) {
        const bool isDir = path == dir;
        const auto problem = platform::writeAccess(path, isDir);
        if (problem == platform::AccessProblem::ReadOnlyFileSystem)
            throw Error(ErrorKind::State,
                        fmt::format(fmt::runtime(_("the file system holding {0} is read-only, so "
                                                   "certagent cannot write its state there; the "
                                                   "database was left untouched (it is not "
                                                   "damaged): make it writable, or choose another "
                                                   "state folder with --state-dir")),
                                    path.string()),
                        path.string());
        if (problem == platform::AccessProblem::Denied)
            throw Error(
                ErrorKind::State,
                fmt::format(
                    fmt::runtime(isDir ? _("permission denied on {0}: certagent cannot "
                                           "write in its state folder. The database was "
                                           "left untouched (it is not damaged): give your "
                                           "user write permission on the folder (chmod u+rwx "
                                           "'{0}'), or choose another state folder with "
                                           "--state-dir")
                                       : _("permission denied on {0}: certagent cannot "
                                           "read and write its state database. It was left "
                                           "untouched (it is not damaged): give your user "
                                           "read and write permission on it (chmod u+rw "
                                           "'{0}'), or choose another state folder with "
                                           "--state-dir")),
                    path.string()),
                path.string());
    }
}

// SQLite's codes that really mean a damaged file (or not a database at all).
bool meansDamaged(int extendedCode) {
    const int primary = extendedCode & 0xff;
    return primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT;
}

}  // namespace

Statement::Statement(sqlite3* db, const std::string& sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &stmt_, nullptr) !=
        SQLITE_OK)
        fail(db, "prepare");
}
Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind(int i, int64_t v) {
    if (sqlite3_bind_int64(stmt_, i, v) != SQLITE_OK) fail(db_, "bind");
    return *this;
}
Statement& Statement::bind(int i, const std::string& v) {
    if (sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT) !=
        SQLITE_OK)
        fail(db_, "bind");
    return *this;
}
Statement& Statement::bindBlob(int i, const void* data, std::size_t len) {
    if (sqlite3_bind_blob(stmt_, i, data, static_cast<int>(len), SQLITE_TRANSIENT) != SQLITE_OK)
        fail(db_, "bind");
    return *this;
}
Statement& Statement::bindNull(int i) {
    if (sqlite3_bind_null(stmt_, i) != SQLITE_OK) fail(db_, "bind");
    return *this;
}

bool Statement::step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(db_, "step");
}
void Statement::run() {
    while (step()) {
    }
}
void Statement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}
int64_t Statement::columnInt(int c) const { return sqlite3_column_int64(stmt_, c); }
std::string Statement::columnText(int c) const {
    auto* p = sqlite3_column_text(stmt_, c);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<std::size_t>(sqlite3_column_bytes(stmt_, c)))
             : std::string();
}
std::vector<uint8_t> Statement::columnBlob(int c) const {
    auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, c));
    return p ? std::vector<uint8_t>(p, p + sqlite3_column_bytes(stmt_, c)) : std::vector<uint8_t>();
}
bool Statement::columnIsNull(int c) const { return sqlite3_column_type(stmt_, c) == SQLITE_NULL; }

std::unique_ptr<StateStore> StateStore::open(const fs::path& dir) {
    std::error_code ec;
    if (!fs::exists(dir, ec)) {
        fs::create_directories(dir, ec);
        if (ec)
            throw Error(
                ErrorKind::State,
                fmt::format(fmt::runtime(_("cannot create the state folder: {0}")), ec.message()),
                dir.string());
        fs::permissions(dir, fs::perms::owner_all, ec);  // 0700
    }
    auto file = dir / "state.sqlite3";
    bool existed = fs::exists(file, ec);
    refuseWhenNotWritable(dir, file);
    sqlite3* db = nullptr;
    const auto u8 = file.u8string();  // SQLite takes UTF-8 names on every system
    const std::string name(u8.begin(), u8.end());
    int rc = sqlite3_open_v2(name.c_str(), &db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                             nullptr);
    if (db) sqlite3_extended_result_codes(db, 1);
    if (rc != SQLITE_OK) {
        std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
        sqlite3_close(db);
        throw Error(ErrorKind::State,
                    fmt::format(fmt::runtime(_("cannot open the state database: {0}")), msg),
                    file.string());
    }
    if (!existed)  // 0600
        fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write, ec);
    std::unique_ptr<StateStore> store(new StateStore(db, file));
    sqlite3_busy_timeout(db, 5000);
    // A damaged file shows here, at the first read; we stop before writing anything.
    char* err = nullptr;
    rc = sqlite3_exec(db, "PRAGMA schema_version;", nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
        std::string msg = err ? err : sqlite3_errmsg(db);
        sqlite3_free(err);
        if (!meansDamaged(sqlite3_extended_errcode(db)))
            throw Error(ErrorKind::State,
                        fmt::format(fmt::runtime(_("cannot read the state database ({0}); it was "
                                                   "left untouched: check the permissions and the "
                                                   "disk of the state folder, then try again")),
                                    msg),
                        file.string());
        throw Error(ErrorKind::State,
                    fmt::format(fmt::runtime(_("the state database is damaged or not a "
                                               "database ({0}); it was left untouched: move it "
                                               "away to start with a fresh one")),
                                msg),
                    file.string());
    }
    int user_version = 0;
    {
        Statement s(db, "PRAGMA user_version;");
        if (s.step()) user_version = static_cast<int>(s.columnInt(0));
    }
    if (user_version > kCoreSchemaVersion)
        throw Error(ErrorKind::State,
                    fmt::format(fmt::runtime(_("the state database was written by a newer "
                                               "certagent (schema {0}, this version knows {1}); "
                                               "it was left untouched: update certagent")),
                                user_version, kCoreSchemaVersion),
                    file.string());
    store->exec("PRAGMA journal_mode=WAL;");
    store->exec("PRAGMA synchronous=FULL;");
    store->exec("PRAGMA foreign_keys=ON;");
    for (int v = user_version; v < kCoreSchemaVersion; ++v) {
        store->transaction([&] {
            store->exec(kCoreMigrations[static_cast<std::size_t>(v)]);
            store->exec(fmt::format("PRAGMA user_version={};", v + 1));
        });
    }
    return store;
}

StateStore::~StateStore() { sqlite3_close(db_); }

void StateStore::exec(const std::string& sql) {
    std::lock_guard lock(mutex_);
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
        std::string msg = err ? err : "unknown error";
        sqlite3_free(err);
        throw Error(ErrorKind::State, msg, file_.string());
    }
}

Statement StateStore::prepare(const std::string& sql) { return Statement(db_, sql); }
int64_t StateStore::lastInsertId() const { return sqlite3_last_insert_rowid(db_); }
int StateStore::changes() const { return sqlite3_changes(db_); }

void StateStore::transaction(const std::function<void()>& fn) {
    std::lock_guard lock(mutex_);
    if (tx_depth_ > 0) {
        ++tx_depth_;
        try {
            fn();
        } catch (...) {
            --tx_depth_;
            throw;
        }
        --tx_depth_;
        return;
    }
    exec("BEGIN IMMEDIATE;");
    ++tx_depth_;
    try {
        fn();
        exec("COMMIT;");
        --tx_depth_;
    } catch (...) {
        --tx_depth_;
        sqlite3_exec(db_, "ROLLBACK;", nullptr, nullptr, nullptr);
        throw;
    }
}

int StateStore::areaVersion(const std::string& area) {
    std::lock_guard lock(mutex_);
    auto s = prepare("SELECT version FROM schema_areas WHERE area = ?;");
    s.bind(1, area);
    return s.step() ? static_cast<int>(s.columnInt(0)) : 0;
}

void StateStore::ensureSchema(const std::string& area, const std::vector<std::string>& migrations) {
    std::lock_guard lock(mutex_);
    int have = areaVersion(area);
    int want = static_cast<int>(migrations.size());
    if (have > want)
        throw Error(ErrorKind::State,
                    fmt::format(fmt::runtime(_("the state of '{0}' was written by a newer "
                                               "certagent (schema {1}, this version knows {2}); "
                                               "it was left untouched: update certagent")),
                                area, have, want),
                    file_.string());
    for (int v = have; v < want; ++v) {
        transaction([&] {
            exec(migrations[static_cast<std::size_t>(v)]);
            auto s = prepare(
                "INSERT INTO schema_areas(area, version) VALUES(?, ?) "
                "ON CONFLICT(area) DO UPDATE SET version = excluded.version;");
            s.bindAll(area, static_cast<int64_t>(v + 1)).run();
        });
    }
}

void StateStore::put(const std::string& ns, const std::string& key, const std::string& value) {
    std::lock_guard lock(mutex_);
    prepare(
        "INSERT INTO kv(ns, key, value) VALUES(?, ?, ?) ON CONFLICT(ns, key) DO UPDATE SET "
        "value = excluded.value, updated_at = strftime('%s','now');")
        .bindAll(ns, key, value)
        .run();
}

std::optional<std::string> StateStore::get(const std::string& ns, const std::string& key) {
    std::lock_guard lock(mutex_);
    auto s = prepare("SELECT value FROM kv WHERE ns = ? AND key = ?;");
    s.bindAll(ns, key);
    if (s.step()) return s.columnText(0);
    return std::nullopt;
}

bool StateStore::erase(const std::string& ns, const std::string& key) {
    std::lock_guard lock(mutex_);
    prepare("DELETE FROM kv WHERE ns = ? AND key = ?;").bindAll(ns, key).run();
    return changes() > 0;
}

std::vector<std::string> StateStore::keys(const std::string& ns, const std::string& prefix) {
    std::lock_guard lock(mutex_);
    auto s = prepare("SELECT key FROM kv WHERE ns = ? AND substr(key, 1, ?) = ? ORDER BY key;");
    s.bindAll(ns, static_cast<int64_t>(prefix.size()), prefix);
    std::vector<std::string> out;
    while (s.step()) out.push_back(s.columnText(0));
    return out;
}

}  // namespace certagent::state
