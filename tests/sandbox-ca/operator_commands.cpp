#include "operator_commands.hpp"

#include "api_error.hpp"
#include "database.hpp"
#include "registry.hpp"
#include "renewal_state.hpp"

namespace certagent::sandbox {

namespace {
Database openDb(const CaLayout& layout) {
    loadCaMaterial(layout);  // fails clearly on a directory that is not a sandbox CA
    return Database(layout.database());
}

void decide(const CaLayout& layout, const std::string& id, RenewalEvent event,
            const std::string& reason) {
    auto db = openDb(layout);
    migrateSchema(db);
    Transaction tx(db);
    try {
        applyTransition(db, id, event, "operator", reason);
    } catch (const ApiError& e) {
        throw Error(ErrorKind::Usage, e.what(), id);
    }
    if (event == RenewalEvent::Reject)
        db.prepare("UPDATE renewals SET rejection_reason = ? WHERE id = ?")
            .bindAll(reason, id)
            .run();
    tx.commit();
}
}  // namespace

void operatorList(const CaLayout& layout, bool all, std::ostream& out) {
    auto db = openDb(layout);
    migrateSchema(db);
    auto q = db.prepare(std::string("SELECT r.id, r.state, r.product_id, c.common_name, "
                                    "r.holder_id, r.updated_at FROM renewals r JOIN "
                                    "certificates c ON c.serial = r.certificate_serial") +
                        (all ? "" : " WHERE r.state = 'IN_ASTEPTARE'") + " ORDER BY r.seq");
    out << "ID\tSTATE\tPRODUCT\tHOLDER\tHOLDER_ID\tUPDATED\n";
    while (q.step())
        out << q.text(0) << "\t" << q.text(1) << "\t" << q.text(2) << "\t" << q.text(3) << "\t"
            << q.text(4) << "\t" << epochToIso(q.integer(5)) << "\n";
}

void operatorApprove(const CaLayout& layout, const std::string& id) {
    decide(layout, id, RenewalEvent::Approve, "");
}

void operatorReject(const CaLayout& layout, const std::string& id, const std::string& reason) {
    if (reason.empty()) throw Error(ErrorKind::Usage, "reject needs --reason TEXT");
    decide(layout, id, RenewalEvent::Reject, reason);
}

void revokeCommand(const CaLayout& layout, const std::string& serial, const std::string& reason) {
    auto db = openDb(layout);
    migrateSchema(db);
    Transaction tx(db);
    revokeCertificate(db, serial, reason);
    tx.commit();
}

}  // namespace certagent::sandbox
