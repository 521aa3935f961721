#pragma once
// The plugin's own SQLite database (reminders.sqlite3 in its private folder, certagent.state/1).
// WAL mode; every logical step is one transaction (BEGIN IMMEDIATE, so the tray or daemon and a
// `certagent-cli reminders` run never interleave half-steps); the schema version is SQLite's
// user_version. A damaged file, or one written by a newer plugin, is reported (DatabaseError)
// and left as it is.
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace expiry_reminders {

class DatabaseError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class Statement {
  public:
    Statement(sqlite3* db, const std::string& sql);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    // Binds the arguments to ?1, ?2, ... in order: integers, text, optional integers (NULL).
    template <typename... Args>
    Statement& bind(const Args&... args) {
        int i = 1;
        (put(i++, args), ...);
        return *this;
    }
    bool next();  // true: a row is available
    void done();  // runs to completion

    int64_t integer(int col) const;
    std::optional<int64_t> maybe(int col) const;  // NULL: nullopt
    std::string text(int col) const;

  private:
    void put(int i, int64_t v);
    void put(int i, int v) { put(i, static_cast<int64_t>(v)); }
    void put(int i, bool v) { put(i, static_cast<int64_t>(v)); }
    void put(int i, const std::string& v);
    void put(int i, const std::optional<int64_t>& v);
    void check(int rc) const;
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

class Database {
  public:
    // Opens (creating it and its folder) and brings the schema to migrations.size(): migration
    // i takes version i to i+1, each in its own transaction.
    Database(const std::filesystem::path& file, const std::vector<std::string>& migrations);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    const std::filesystem::path& file() const { return file_; }
    // The file had no schema before this open (a new database).
    bool created() const { return created_; }
    Statement prepare(const std::string& sql) { return Statement(db_, sql); }
    void exec(const std::string& sql);

    // Runs fn in one transaction (committed when fn returns, rolled back when it throws). Nested
    // calls join the outer transaction.
    template <typename Fn>
    void transaction(Fn&& fn) {
        std::lock_guard lock(mutex_);
        if (depth_ > 0) {
            ++depth_;
            struct Leave {
                int& d;
                ~Leave() { --d; }
            } leave{depth_};
            fn();
            return;
        }
        exec("BEGIN IMMEDIATE");
        depth_ = 1;
        try {
            fn();
            exec("COMMIT");
            depth_ = 0;
        } catch (...) {
            depth_ = 0;
            rollback();
            throw;
        }
    }

  private:
    void rollback() noexcept;
    [[noreturn]] void fail(const std::string& what) const;
    std::filesystem::path file_;
    sqlite3* db_ = nullptr;
    std::recursive_mutex mutex_;
    int depth_ = 0;
    bool created_ = false;
};

}  // namespace expiry_reminders
