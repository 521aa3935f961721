#pragma once
// The renewal journal: SQLite tables of the "renewal" area in the agent's state store. Every
// write is one transaction, committed before the caller relies on it.
#include <optional>
#include <string>
#include <vector>

#include "certagent/core/renewal/types.hpp"

namespace certagent {
class Clock;
namespace state {
class StateStore;
}
}  // namespace certagent

namespace certagent::renewal {

class Journal {
public:
    Journal(state::StateStore& store, Clock& clock);  // ensureSchema("renewal", ...)

    // A new record with a fresh id, created (state running, step preflight) in one transaction.
    RenewalRecord create(RenewalRecord draft);
    void save(RenewalRecord& record);  // stamps updatedAt
    std::optional<RenewalRecord> load(const std::string& id, bool withHistory = true);
    // Newest first. openOnly: not done/failed/cancelled.
    std::vector<RenewalRecord> list(bool openOnly = false);
    // The open renewal of this certificate, if any (at most one).
    std::optional<RenewalRecord> findOpen(const std::string& token, const std::string& certId);

    // Step history: appended in the same transaction as the record's new step/state.
    void stepEvent(RenewalRecord& record, Step step, const std::string& status,
                   const std::string& detail = {});

    std::optional<std::string> value(const std::string& id, const std::string& key);
    void setValue(const std::string& id, const std::string& key, const std::string& value);

private:
    state::StateStore& store_;
    Clock& clock_;
};

}  // namespace certagent::renewal
