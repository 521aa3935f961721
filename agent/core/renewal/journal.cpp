#include "certagent/core/renewal/journal.hpp"

#include <openssl/rand.h>

#include <fmt/format.h>

#include "certagent/core/clock.hpp"
#include "certagent/core/error.hpp"
#include "certagent/core/state_store.hpp"

namespace certagent::renewal {
namespace {

using nlohmann::json;

// The record is kept whole as JSON (one row, one transaction) with the columns queries need.
const std::vector<std::string> kMigrations = {
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
    if (RAND_bytes(b, sizeof b) != 1) throw Error(ErrorKind::Internal, "RAND_bytes failed");
    b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
    b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
    std::string s;
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
        s += fmt::format("{:02x}", b[i]);
    }
    return s;
}

json toRow(const RenewalRecord& r) {
    json j = r.toJson();
    j.erase("history");
    j.erase("wizard_step");
    return j;
}

RenewalRecord fromRow(const std::string& text) {
    json j = json::parse(text);
    RenewalRecord r;
    auto s = [&](const char* k) { return j.value(k, std::string()); };
    r.id = s("id");
    r.token = s("token");
    r.certId = s("cert");
    r.certSerial = s("cert_serial");
    r.subject = s("subject");
    r.commonName = s("common_name");
    r.notAfter = s("not_after");
    r.years = j.value("years", 1);
    r.idDocument = s("id_document");
    r.backend = s("backend");
    r.step = parseStep(s("step")).value_or(Step::Preflight);
    r.state = parseState(s("state")).value_or(State::Running);
    r.prompt = parsePrompt(s("prompt")).value_or(Prompt::None);
    r.message = s("message");
    r.errorCode = s("code");
    r.caReference = s("ca_reference");
    r.caState = s("ca_state");
    r.declarationPath = s("declaration");
    r.paymentUrl = s("payment_url");
    r.candidateKeyId = s("candidate_key_id");
    r.keyType = s("key_type");
    r.newCertSerial = s("new_cert_serial");
    r.nextAttempt = s("next_attempt");
    r.attempts = j.value("attempts", 0);
    r.createdAt = s("created_at");
    r.updatedAt = s("updated_at");
    return r;
}

}  // namespace

Journal::Journal(state::StateStore& store, Clock& clock) : store_(store), clock_(clock) {
    store_.ensureSchema("renewal", kMigrations);
}

RenewalRecord Journal::create(RenewalRecord draft) {
    std::lock_guard lock(store_.mutex());
    draft.id = newId();
    draft.createdAt = draft.updatedAt = toIso8601(clock_.now());
    store_.transaction([&] {
        store_.prepare("INSERT INTO renewals (id, token, cert_id, state, created_at, updated_at, "
                       "data) VALUES (?, ?, ?, ?, ?, ?, ?)")
            .bindAll(draft.id, draft.token, draft.certId, stateName(draft.state), draft.createdAt,
                     draft.updatedAt, toRow(draft).dump())
            .run();
    });
    return draft;
}

void Journal::save(RenewalRecord& r) {
    std::lock_guard lock(store_.mutex());
    r.updatedAt = toIso8601(clock_.now());
    store_.transaction([&] {
        store_.prepare("UPDATE renewals SET state = ?, updated_at = ?, data = ? WHERE id = ?")
            .bindAll(stateName(r.state), r.updatedAt, toRow(r).dump(), r.id)
            .run();
        if (store_.changes() != 1)
            throw Error(ErrorKind::State, "no such renewal in the journal", r.id);
    });
}

void Journal::stepEvent(RenewalRecord& r, Step step, const std::string& status,
                        const std::string& detail) {
    std::lock_guard lock(store_.mutex());
    store_.transaction([&] {
        store_.prepare("INSERT INTO renewal_steps (renewal_id, step, status, at, detail) "
                       "VALUES (?, ?, ?, ?, ?)")
            .bindAll(r.id, stepName(step), status, toIso8601(clock_.now()), detail)
            .run();
        save(r);
    });
}

std::optional<RenewalRecord> Journal::load(const std::string& id, bool withHistory) {
    std::lock_guard lock(store_.mutex());
    auto q = store_.prepare("SELECT data FROM renewals WHERE id = ?");
    q.bindAll(id);
    if (!q.step()) return std::nullopt;
    auto r = fromRow(q.columnText(0));
    if (withHistory) {
        auto h = store_.prepare(
            "SELECT step, status, at, detail FROM renewal_steps WHERE renewal_id = ? ORDER BY seq");
        h.bindAll(id);
        while (h.step())
            r.history.push_back({parseStep(h.columnText(0)).value_or(Step::Preflight),
                                 h.columnText(1), h.columnText(2), h.columnText(3)});
    }
    return r;
}

std::vector<RenewalRecord> Journal::list(bool openOnly) {
    std::lock_guard lock(store_.mutex());
    std::string sql = "SELECT data FROM renewals";
    if (openOnly) sql += " WHERE state NOT IN ('done', 'failed', 'cancelled')";
    sql += " ORDER BY created_at DESC, rowid DESC";
    auto q = store_.prepare(sql);
    std::vector<RenewalRecord> out;
    while (q.step()) out.push_back(fromRow(q.columnText(0)));
    return out;
}

std::optional<RenewalRecord> Journal::findOpen(const std::string& token,
                                               const std::string& certId) {
    std::lock_guard lock(store_.mutex());
    auto q = store_.prepare(
        "SELECT id FROM renewals WHERE token = ? AND cert_id = ? AND state NOT IN "
        "('done', 'failed', 'cancelled') ORDER BY created_at DESC LIMIT 1");
    q.bindAll(token, certId);
    if (!q.step()) return std::nullopt;
    return load(q.columnText(0));
}

std::optional<std::string> Journal::value(const std::string& id, const std::string& key) {
    std::lock_guard lock(store_.mutex());
    auto q = store_.prepare("SELECT value FROM renewal_values WHERE renewal_id = ? AND key = ?");
    q.bindAll(id, key);
    if (!q.step()) return std::nullopt;
    return q.columnText(0);
}

void Journal::setValue(const std::string& id, const std::string& key, const std::string& value) {
    std::lock_guard lock(store_.mutex());
    store_.transaction([&] {
        store_.prepare("INSERT OR REPLACE INTO renewal_values (renewal_id, key, value) "
                       "VALUES (?, ?, ?)")
            .bindAll(id, key, value)
            .run();
    });
}

}  // namespace certagent::renewal
