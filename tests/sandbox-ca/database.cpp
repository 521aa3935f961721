#include "database.hpp"

namespace certagent::sandbox {

namespace {
[[noreturn]] void fail(sqlite3* db, const std::string& what) {
    throw Error(ErrorKind::State, what + ": " + sqlite3_errmsg(db), "sqlite");
}
}  // namespace

Statement::Statement(sqlite3* db, const std::string& sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK)
        fail(db, "prepare '" + sql + "'");
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind(int index, const DbValue& value) {
    int rc = SQLITE_OK;
    if (std::holds_alternative<Null>(value)) {
        rc = sqlite3_bind_null(stmt_, index);
    } else if (auto* i = std::get_if<long long>(&value)) {
        rc = sqlite3_bind_int64(stmt_, index, *i);
    } else if (auto* s = std::get_if<std::string>(&value)) {
        rc = sqlite3_bind_text(stmt_, index, s->data(), static_cast<int>(s->size()),
                               SQLITE_TRANSIENT);
    } else {
        const auto& b = std::get<Blob>(value);
        rc =
            sqlite3_bind_blob(stmt_, index, b.data(), static_cast<int>(b.size()), SQLITE_TRANSIENT);
    }
    if (rc != SQLITE_OK) fail(db_, "bind");
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

bool Statement::isNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
long long Statement::integer(int col) const { return sqlite3_column_int64(stmt_, col); }

std::string Statement::text(int col) const {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col))) : "";
}

std::optional<std::string> Statement::optText(int col) const {
    if (isNull(col)) return std::nullopt;
    return text(col);
}

Blob Statement::blob(int col) const {
    auto* p = static_cast<const unsigned char*>(sqlite3_column_blob(stmt_, col));
    auto n = static_cast<size_t>(sqlite3_column_bytes(stmt_, col));
    return p ? Blob(p, p + n) : Blob{};
}

Database::Database(const std::filesystem::path& file) {
    if (sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
        SQLITE_OK) {
        std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        throw Error(ErrorKind::State, "cannot open " + file.string() + ": " + msg, file.string());
    }
    sqlite3_busy_timeout(db_, 5000);
    exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
}

Database::~Database() { sqlite3_close(db_); }

void Database::exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
        std::string msg = err ? err : "unknown";
        sqlite3_free(err);
        throw Error(ErrorKind::State, "sqlite: " + msg, "sqlite");
    }
}

Transaction::Transaction(Database& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

Transaction::~Transaction() {
    if (!done_) {
        try {
            db_.exec("ROLLBACK");
        } catch (...) {
        }
    }
}

void Transaction::commit() {
    db_.exec("COMMIT");
    done_ = true;
}

void migrateSchema(Database& db) {
    db.exec(R"sql(
CREATE TABLE IF NOT EXISTS certificates(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  serial TEXT NOT NULL UNIQUE,
  holder_id TEXT NOT NULL,
  subject TEXT NOT NULL,
  common_name TEXT NOT NULL,
  email TEXT NOT NULL,
  not_before INTEGER NOT NULL,
  not_after INTEGER NOT NULL,
  revoked_at INTEGER,
  revocation_reason TEXT,
  product_id TEXT,
  renewal_id TEXT,
  pem TEXT NOT NULL,
  issued_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS certificates_holder ON certificates(holder_id, seq);
CREATE TABLE IF NOT EXISTS accounts(
  holder_id TEXT PRIMARY KEY,
  email TEXT NOT NULL,
  status TEXT NOT NULL,
  confirm_token TEXT UNIQUE,
  created_at INTEGER NOT NULL,
  activated_at INTEGER,
  timestamps_total INTEGER NOT NULL,
  timestamps_used INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS renewals(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  holder_id TEXT NOT NULL,
  certificate_serial TEXT NOT NULL,
  product_id TEXT NOT NULL,
  state TEXT NOT NULL,
  identity_pdf BLOB,
  identity_sha256 TEXT,
  declaration_pdf BLOB,
  signed_declaration_pdf BLOB,
  rejection_reason TEXT,
  csr_pem TEXT,
  new_certificate_serial TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS renewals_holder ON renewals(holder_id, seq);
CREATE TABLE IF NOT EXISTS renewal_events(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  renewal_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  from_state TEXT,
  to_state TEXT NOT NULL,
  actor TEXT NOT NULL,
  note TEXT);
CREATE TABLE IF NOT EXISTS payments(
  id TEXT PRIMARY KEY,
  renewal_id TEXT NOT NULL,
  page_token TEXT NOT NULL UNIQUE,
  amount_minor INTEGER NOT NULL,
  currency TEXT NOT NULL,
  status TEXT NOT NULL,
  otp_sha256 TEXT,
  otp_attempts INTEGER NOT NULL DEFAULT 0,
  failure_reason TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS idempotency(
  holder_id TEXT NOT NULL,
  key TEXT NOT NULL,
  method TEXT NOT NULL,
  path TEXT NOT NULL,
  body_sha256 TEXT NOT NULL,
  status INTEGER NOT NULL,
  content_type TEXT NOT NULL,
  body BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY(holder_id, key));
)sql");
}

}  // namespace certagent::sandbox
