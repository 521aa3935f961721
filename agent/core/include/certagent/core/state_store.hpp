#pragma once
// The agent's state: one SQLite database (state.sqlite3) in the state dir, WAL mode, every
// logical step one transaction. Each area (core, reminders, renewal, ...) owns its tables and
// their migrations (ensureSchema); a database made by a newer certagent, or a damaged file,
// is reported and never overwritten.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace certagent::state {

class Statement {
public:
    Statement(sqlite3* db, const std::string& sql);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    Statement(Statement&& o) noexcept : db_(o.db_), stmt_(o.stmt_) { o.stmt_ = nullptr; }

    // Bind by 1-based index.
    Statement& bind(int index, int64_t value);
    Statement& bind(int index, const std::string& value);
    Statement& bindBlob(int index, const void* data, std::size_t len);
    Statement& bindNull(int index);
    // Binds all arguments in order.
    template <typename... Args>
    Statement& bindAll(Args&&... args) {
        int i = 1;
        (bindOne(i++, std::forward<Args>(args)), ...);
        return *this;
    }

    bool step();  // true: a row is available
    void run();   // step until done
    void reset();

    int64_t columnInt(int col) const;
    std::string columnText(int col) const;
    std::vector<uint8_t> columnBlob(int col) const;
    bool columnIsNull(int col) const;

private:
    void bindOne(int i, int64_t v) { bind(i, v); }
    void bindOne(int i, int v) { bind(i, static_cast<int64_t>(v)); }
    void bindOne(int i, const std::string& v) { bind(i, v); }
    void bindOne(int i, const char* v) { bind(i, std::string(v)); }
    void bindOne(int i, std::nullptr_t) { bindNull(i); }
    void bindOne(int i, const std::optional<std::string>& v) {
        v ? (void)bind(i, *v) : (void)bindNull(i);
    }
    void bindOne(int i, const std::optional<int64_t>& v) {
        v ? (void)bind(i, *v) : (void)bindNull(i);
    }
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

class StateStore {
public:
    // Opens (creating if needed, mode 0700 dir / 0600 file) <dir>/state.sqlite3.
    static std::unique_ptr<StateStore> open(const std::filesystem::path& dir);
    ~StateStore();
    StateStore(const StateStore&) = delete;
    StateStore& operator=(const StateStore&) = delete;

    static constexpr int kCoreSchemaVersion = 1;
    const std::filesystem::path& file() const { return file_; }

    // Brings `area`'s tables to migrations.size() (migration i upgrades version i to i+1),
    // each migration in its own transaction. Throws when the stored version is newer.
    void ensureSchema(const std::string& area, const std::vector<std::string>& migrations);
    int areaVersion(const std::string& area);

    // Runs fn inside BEGIN IMMEDIATE ... COMMIT; rolls back if fn throws. Nested calls join
    // the outer transaction.
    void transaction(const std::function<void()>& fn);

    Statement prepare(const std::string& sql);
    void exec(const std::string& sql);
    int64_t lastInsertId() const;
    int changes() const;

    // A small namespaced key/value store (plugins reach it through the SDK's state.* calls).
    void put(const std::string& ns, const std::string& key, const std::string& value);
    std::optional<std::string> get(const std::string& ns, const std::string& key);
    bool erase(const std::string& ns, const std::string& key);
    std::vector<std::string> keys(const std::string& ns, const std::string& prefix = {});

    // Serializes users of the one connection across threads.
    std::recursive_mutex& mutex() { return mutex_; }
    sqlite3* handle() { return db_; }

private:
    StateStore(sqlite3* db, std::filesystem::path file) : db_(db), file_(std::move(file)) {}
    sqlite3* db_;
    std::filesystem::path file_;
    std::recursive_mutex mutex_;
    int tx_depth_ = 0;
};

}  // namespace certagent::state
