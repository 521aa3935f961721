#include "store.hpp"

#include <fmt/format.h>

namespace expiry_reminders {
namespace {

// Migration i brings the database from version i to i+1. Times are epoch milliseconds (UTC).
// The tables are those the agent's core kept until the flow became this plugin.
const std::vector<std::string> kMigrations = {
    R"sql(
CREATE TABLE reminder_tokens (
    serial TEXT PRIMARY KEY,
    label TEXT NOT NULL DEFAULT '',
    present INTEGER NOT NULL DEFAULT 0,
    last_seen INTEGER NOT NULL
);
CREATE TABLE reminder_certs (
    token_serial TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    token_label TEXT NOT NULL DEFAULT '',
    cert_id TEXT NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL,
    common_name TEXT NOT NULL DEFAULT '',
    issuer TEXT NOT NULL,
    serial TEXT NOT NULL,
    not_before INTEGER NOT NULL,
    not_after INTEGER NOT NULL,
    qualified INTEGER NOT NULL,
    has_key INTEGER NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    on_token INTEGER NOT NULL DEFAULT 1,
    fired_threshold INTEGER,
    fired_at INTEGER,
    acked_threshold INTEGER,
    snooze_until INTEGER,
    dismissed_at INTEGER,
    renewed_at INTEGER,
    renewed_by TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (token_serial, fingerprint)
);
CREATE INDEX reminder_certs_by_id ON reminder_certs (token_serial, cert_id);
)sql",
};

const char* kColumns =
    "c.token_serial, c.fingerprint, c.token_label, c.cert_id, c.label, c.subject, "
    "c.common_name, c.issuer, c.serial, c.not_before, c.not_after, c.qualified, c.has_key, "
    "c.first_seen, c.last_seen, c.on_token, c.fired_threshold, c.fired_at, c.acked_threshold, "
    "c.snooze_until, c.dismissed_at, c.renewed_at, c.renewed_by, COALESCE(t.present, 0)";

std::optional<TimePoint> optTime(const Statement& s, int col) {
    if (auto v = s.maybe(col)) return fromEpochMs(*v);
    return std::nullopt;
}
std::optional<int64_t> msOf(const std::optional<TimePoint>& t) {
    if (!t) return std::nullopt;
    return toEpochMs(*t);
}
std::optional<int64_t> intOf(const std::optional<int>& v) {
    if (!v) return std::nullopt;
    return static_cast<int64_t>(*v);
}

CertificateRecord readRow(const Statement& s) {
    CertificateRecord r;
    r.tokenSerial = s.text(0);
    r.cert.fingerprint = s.text(1);
    r.tokenLabel = s.text(2);
    r.cert.idHex = s.text(3);
    r.cert.label = s.text(4);
    r.cert.subject = s.text(5);
    r.cert.commonName = s.text(6);
    r.cert.issuer = s.text(7);
    r.cert.serialHex = s.text(8);
    r.cert.notBefore = fromEpochMs(s.integer(9));
    r.cert.notAfter = fromEpochMs(s.integer(10));
    r.cert.qualified = s.integer(11) != 0;
    r.cert.hasPrivateKey = s.integer(12) != 0;
    r.firstSeen = fromEpochMs(s.integer(13));
    r.lastSeen = fromEpochMs(s.integer(14));
    r.onToken = s.integer(15) != 0;
    if (auto v = s.maybe(16)) r.firedThreshold = static_cast<int>(*v);
    r.firedAt = optTime(s, 17);
    if (auto v = s.maybe(18)) r.ackedThreshold = static_cast<int>(*v);
    r.snoozeUntil = optTime(s, 19);
    r.dismissedAt = optTime(s, 20);
    r.renewedAt = optTime(s, 21);
    r.renewedBy = s.text(22);
    r.tokenPresent = s.integer(23) != 0;
    return r;
}

}  // namespace

ReminderStore::ReminderStore(const std::filesystem::path& file) : db_(file, kMigrations) {}

std::vector<CertificateRecord> ReminderStore::all(const std::optional<std::string>& token) {
    std::string sql = std::string("SELECT ") + kColumns +
                      " FROM reminder_certs c LEFT JOIN reminder_tokens t ON t.serial = "
                      "c.token_serial";
    if (token) sql += " WHERE c.token_serial = ?";
    sql += " ORDER BY c.token_serial, c.cert_id, c.not_after";
    auto s = db_.prepare(sql);
    if (token) s.bind(*token);
    std::vector<CertificateRecord> out;
    while (s.next()) out.push_back(readRow(s));
    return out;
}

std::optional<CertificateRecord> ReminderStore::get(const std::string& token,
                                                    const std::string& fingerprint) {
    auto s = db_.prepare(std::string("SELECT ") + kColumns +
                         " FROM reminder_certs c LEFT JOIN reminder_tokens t ON t.serial = "
                         "c.token_serial WHERE c.token_serial = ? AND c.fingerprint = ?");
    s.bind(token, fingerprint);
    if (!s.next()) return std::nullopt;
    return readRow(s);
}

void ReminderStore::upsertSeen(const std::string& token, const std::string& tokenLabel,
                               const ObservedCertificate& c, TimePoint now) {
    // The certificate's fields cannot change for one fingerprint, but its CKA_ID, label and
    // key presence can (another tool may rewrite them), so they are refreshed on every read.
    auto s = db_.prepare(
        "INSERT INTO reminder_certs (token_serial, fingerprint, token_label, cert_id, label, "
        "subject, common_name, issuer, serial, not_before, not_after, qualified, has_key, "
        "first_seen, last_seen, on_token) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,1) "
        "ON CONFLICT (token_serial, fingerprint) DO UPDATE SET token_label = excluded.token_label, "
        "cert_id = excluded.cert_id, label = excluded.label, has_key = excluded.has_key, "
        "not_after = excluded.not_after, last_seen = excluded.last_seen, on_token = 1");
    s.bind(token, c.fingerprint, tokenLabel, c.idHex, c.label, c.subject, c.commonName, c.issuer,
           c.serialHex, toEpochMs(c.notBefore), toEpochMs(c.notAfter), c.qualified, c.hasPrivateKey,
           toEpochMs(now), toEpochMs(now));
    s.done();
}

void ReminderStore::markOnToken(const std::string& token, const std::string& fingerprint,
                                bool onToken) {
    auto s = db_.prepare(
        "UPDATE reminder_certs SET on_token = ? WHERE token_serial = ? AND fingerprint = ?");
    s.bind(onToken, token, fingerprint);
    s.done();
}

void ReminderStore::setTokenPresent(const std::string& token, const std::string& label,
                                    bool present, TimePoint now) {
    auto s = db_.prepare(
        "INSERT INTO reminder_tokens (serial, label, present, last_seen) VALUES (?,?,?,?) "
        "ON CONFLICT (serial) DO UPDATE SET present = excluded.present, "
        "label = CASE WHEN excluded.label = '' THEN label ELSE excluded.label END, "
        "last_seen = CASE WHEN excluded.present = 1 THEN excluded.last_seen ELSE last_seen END");
    s.bind(token, label, present, toEpochMs(now));
    s.done();
}

void ReminderStore::setAllTokensAbsent() { db_.exec("UPDATE reminder_tokens SET present = 0"); }

void ReminderStore::saveState(const CertificateRecord& r) {
    auto s = db_.prepare(
        "UPDATE reminder_certs SET fired_threshold = ?, fired_at = ?, acked_threshold = ?, "
        "snooze_until = ?, dismissed_at = ?, renewed_at = ?, renewed_by = ? "
        "WHERE token_serial = ? AND fingerprint = ?");
    s.bind(intOf(r.firedThreshold), msOf(r.firedAt), intOf(r.ackedThreshold), msOf(r.snoozeUntil),
           msOf(r.dismissedAt), msOf(r.renewedAt), r.renewedBy, r.tokenSerial, r.cert.fingerprint);
    s.done();
}

std::size_t ReminderStore::importLegacy(const std::filesystem::path& legacyFile) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(legacyFile, ec)) return 0;
    // A URI, so the agent's file is opened read-only: '%', '?' and '#' would end the path.
    std::string uri = "file:";
    for (char c : legacyFile.string()) {
        if (c == '%' || c == '?' || c == '#')
            uri += fmt::format("%{:02X}", static_cast<unsigned char>(c));
        else
            uri += c;
    }
    uri += "?mode=ro";
    db_.prepare("ATTACH DATABASE ? AS legacy").bind(uri).done();
    struct Detach {
        Database& db;
        ~Detach() {
            try {
                db.exec("DETACH DATABASE legacy");
            } catch (...) {
            }
        }
    } detach{db_};
    auto has = db_.prepare(
        "SELECT count(*) FROM legacy.sqlite_master WHERE type = 'table' AND name IN "
        "('reminder_certs', 'reminder_tokens')");
    if (!has.next() || has.integer(0) != 2) return 0;
    std::size_t count = 0;
    db_.transaction([&] {
        db_.exec("INSERT OR IGNORE INTO main.reminder_tokens SELECT * FROM legacy.reminder_tokens");
        db_.exec("INSERT OR IGNORE INTO main.reminder_certs SELECT * FROM legacy.reminder_certs");
        auto n = db_.prepare("SELECT count(*) FROM main.reminder_certs");
        n.next();
        count = static_cast<std::size_t>(n.integer(0));
    });
    return count;
}

}  // namespace expiry_reminders
