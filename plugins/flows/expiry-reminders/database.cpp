#include "database.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#define CERTAGENT_SDK_GETTEXT
#include <certagent/sdk/plugin.hpp>

namespace expiry_reminders {
namespace fs = std::filesystem;

Statement::Statement(sqlite3* db, const std::string& sql) : db_(db) {
    check(sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt_, nullptr));
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::check(int rc) const {
    if (rc != SQLITE_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
        throw DatabaseError(sqlite3_errmsg(db_));
}

void Statement::put(int i, int64_t v) { check(sqlite3_bind_int64(stmt_, i, v)); }
void Statement::put(int i, const std::string& v) {
    check(sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
}
void Statement::put(int i, const std::optional<int64_t>& v) {
    check(v ? sqlite3_bind_int64(stmt_, i, *v) : sqlite3_bind_null(stmt_, i));
}

bool Statement::next() {
    int rc = sqlite3_step(stmt_);
    check(rc);
    return rc == SQLITE_ROW;
}

void Statement::done() {
    while (next()) {
    }
}

int64_t Statement::integer(int col) const { return sqlite3_column_int64(stmt_, col); }

std::optional<int64_t> Statement::maybe(int col) const {
    if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
    return integer(col);
}

std::string Statement::text(int col) const {
    auto* p = sqlite3_column_text(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string();
}

void Database::fail(const std::string& what) const {
    throw DatabaseError(fmt::format(fmt::runtime(_("the reminders database {0} cannot be used "
                                                   "({1}); it was left as it is")),
                                    file_.string(), what));
}

Database::Database(const fs::path& file, const std::vector<std::string>& migrations) : file_(file) {
    std::error_code ec;
    fs::create_directories(file_.parent_path(), ec);
    int rc = sqlite3_open_v2(
        reinterpret_cast<const char*>(file_.u8string().c_str()), &db_,
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_URI,
        nullptr);
    if (rc != SQLITE_OK) {
        std::string why = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        sqlite3_close(db_);
        db_ = nullptr;
        fail(why);
    }
    try {
        // The tray or daemon and a CLI run may write at the same moment: wait for the other.
        sqlite3_busy_timeout(db_, 5000);
        // Read before anything is written: a file that is not a database, or a damaged one,
        // fails here and stays untouched.
        int64_t have = 0;
        {
            // Finalised before the journal mode changes: a live statement keeps a read open.
            Statement version(db_, "PRAGMA user_version");
            version.next();
            have = version.integer(0);
            Statement check(db_, "PRAGMA quick_check");
            if (!check.next() || check.text(0) != "ok")
                throw DatabaseError(_("the file is damaged"));
        }
        const auto want = static_cast<int64_t>(migrations.size());
        if (have > want)
            throw DatabaseError(fmt::format(
                fmt::runtime(_("it was written by a newer version of the expiry-reminders "
                               "plugin: schema {0}, this one knows {1}")),
                have, want));
        created_ = have == 0;
        exec("PRAGMA journal_mode = WAL");
        for (auto v = have; v < want; ++v)
            transaction([&] {
                exec(migrations[static_cast<std::size_t>(v)]);
                exec("PRAGMA user_version = " + std::to_string(v + 1));
            });
    } catch (const DatabaseError& e) {
        sqlite3_close(db_);
        db_ = nullptr;
        fail(e.what());
    }
}

Database::~Database() { sqlite3_close(db_); }

void Database::exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
        std::string message = err ? err : sqlite3_errmsg(db_);
        sqlite3_free(err);
        throw DatabaseError(message);
    }
}

void Database::rollback() noexcept { sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr); }

}  // namespace expiry_reminders
