#pragma once
// A thin RAII layer over SQLite: one connection, prepared statements with typed binds, and a
// transaction guard that rolls back unless committed. Every state change of the sandbox CA is one
// Transaction, so a kill -9 at any point leaves either the old or the new state, never half.
#include <certagent/core/error.hpp>

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace certagent::sandbox {

using Blob = std::vector<unsigned char>;
struct Null {};
using DbValue = std::variant<Null, long long, std::string, Blob>;

class Statement {
  public:
    Statement(sqlite3* db, const std::string& sql);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(int index, const DbValue& value);
    template <class... Values>
    Statement& bindAll(const Values&... values) {
        int i = 1;
        (bind(i++, DbValue(values)), ...);
        return *this;
    }
    bool step();  // true while a row is available
    void run();   // step to completion (for writes)

    bool isNull(int col) const;
    long long integer(int col) const;
    std::string text(int col) const;
    std::optional<std::string> optText(int col) const;
    Blob blob(int col) const;

  private:
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

class Database {
  public:
    explicit Database(const std::filesystem::path& file);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    void exec(const std::string& sql);
    Statement prepare(const std::string& sql) { return Statement(db_, sql); }
    long long changes() const { return sqlite3_changes(db_); }

  private:
    sqlite3* db_ = nullptr;
};

// BEGIN IMMEDIATE: takes the write lock up front so two writers (server and operator command)
// queue on busy_timeout instead of failing half-way with SQLITE_BUSY.
class Transaction {
  public:
    explicit Transaction(Database& db);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

  private:
    Database& db_;
    bool done_ = false;
};

// Creates the schema when missing (idempotent).
void migrateSchema(Database& db);

}  // namespace certagent::sandbox
