#pragma once
// The remembered certificates and tokens, in the plugin's own database (database.hpp). Callers
// hold a transaction (Database::transaction) around each logical step.
#include <optional>
#include <string>
#include <vector>

#include "database.hpp"
#include "types.hpp"

namespace expiry_reminders {

class ReminderStore {
public:
    // Opens (creates, migrates) the database file; throws DatabaseError.
    explicit ReminderStore(const std::filesystem::path& file);

    Database& db() { return db_; }

    // All remembered certificates (or one token's).
    std::vector<CertificateRecord> all(const std::optional<std::string>& token = {});
    std::optional<CertificateRecord> get(const std::string& token, const std::string& fingerprint);

    // Inserts a certificate first seen now, or refreshes what the token says about it.
    void upsertSeen(const std::string& token, const std::string& tokenLabel,
                    const ObservedCertificate& c, TimePoint now);
    void markOnToken(const std::string& token, const std::string& fingerprint, bool onToken);
    void setTokenPresent(const std::string& token, const std::string& label, bool present,
                         TimePoint now);
    void setAllTokensAbsent();

    // Writes the reminder state columns of a record.
    void saveState(const CertificateRecord& r);

    // Copies the records certagent kept in its own database (state.sqlite3, tables of the same
    // name) before the flow became this plugin, so an upgrade neither repeats a reminder nor
    // forgets an answer. Reads that file only (read-only); for a new database. Returns how many
    // certificates came over (0: no such file or tables); throws DatabaseError.
    std::size_t importLegacy(const std::filesystem::path& legacyFile);

private:
    Database db_;
};

}  // namespace expiry_reminders
