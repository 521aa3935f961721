#pragma once
// The reminders area's tables in the agent's state database. Callers hold a transaction
// (StateStore::transaction) around each logical step.
#include <optional>
#include <string>
#include <vector>

#include "certagent/core/reminders/types.hpp"

namespace certagent::state {
class StateStore;
}

namespace certagent::reminders {

class ReminderStore {
public:
    explicit ReminderStore(state::StateStore& store);  // migrates the "reminders" area

    state::StateStore& db() { return store_; }

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

private:
    state::StateStore& store_;
};

}  // namespace certagent::reminders
