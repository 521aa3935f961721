#include "certagent/core/tsa/history.hpp"

#include "certagent/core/state_store.hpp"

namespace certagent::tsa {

nlohmann::json toJson(const HistoryEntry& e) {
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

History::History(state::StateStore& store) : store_(store) {
    std::lock_guard lock(store_.mutex());
    store_.ensureSchema("timestamps", {R"(
CREATE TABLE timestamps_history(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  file TEXT NOT NULL,
  hash_algorithm TEXT NOT NULL,
  hash_hex TEXT NOT NULL,
  gen_time TEXT NOT NULL,
  tsa_serial TEXT NOT NULL,
  tsa_subject TEXT NOT NULL,
  tsa_url TEXT NOT NULL,
  created_at TEXT NOT NULL))"});
}

int64_t History::add(const HistoryEntry& e) {
    std::lock_guard lock(store_.mutex());
    int64_t id = 0;
    store_.transaction([&] {
        store_
            .prepare(
                "INSERT INTO timestamps_history(kind, file, hash_algorithm, hash_hex, "
                "gen_time, tsa_serial, tsa_subject, tsa_url, created_at) "
                "VALUES(?,?,?,?,?,?,?,?,?)")
            .bindAll(e.kind, e.file, e.hashAlgorithm, e.hashHex, e.genTime, e.tsaSerial,
                     e.tsaSubject, e.tsaUrl, e.createdAt)
            .run();
        id = store_.lastInsertId();
    });
    return id;
}

void History::remove(int64_t id) {
    std::lock_guard lock(store_.mutex());
    store_.transaction(
        [&] { store_.prepare("DELETE FROM timestamps_history WHERE id = ?").bindAll(id).run(); });
}

std::vector<HistoryEntry> History::list(int limit) {
    std::lock_guard lock(store_.mutex());
    auto q = store_.prepare(
        "SELECT id, kind, file, hash_algorithm, hash_hex, gen_time, tsa_serial, tsa_subject, "
        "tsa_url, created_at FROM timestamps_history ORDER BY id DESC LIMIT ?");
    q.bindAll(static_cast<int64_t>(limit));
    std::vector<HistoryEntry> out;
    while (q.step()) {
        HistoryEntry e;
        e.id = q.columnInt(0);
        e.kind = q.columnText(1);
        e.file = q.columnText(2);
        e.hashAlgorithm = q.columnText(3);
        e.hashHex = q.columnText(4);
        e.genTime = q.columnText(5);
        e.tsaSerial = q.columnText(6);
        e.tsaSubject = q.columnText(7);
        e.tsaUrl = q.columnText(8);
        e.createdAt = q.columnText(9);
        out.push_back(std::move(e));
    }
    return out;
}

std::size_t History::count() {
    std::lock_guard lock(store_.mutex());
    auto q = store_.prepare("SELECT COUNT(*) FROM timestamps_history");
    q.step();
    return static_cast<std::size_t>(q.columnInt(0));
}

}  // namespace certagent::tsa
