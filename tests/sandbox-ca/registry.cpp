#include "registry.hpp"

#include "renewal_state.hpp"

namespace certagent::sandbox {

namespace {
const char* kCertColumns =
    "seq, serial, holder_id, subject, common_name, email, not_before, not_after, revoked_at, "
    "revocation_reason, product_id, renewal_id, pem";

CertRecord readRecord(Statement& q) {
    CertRecord r;
    r.seq = q.integer(0);
    r.serial = q.text(1);
    r.holder_id = q.text(2);
    r.subject = q.text(3);
    r.common_name = q.text(4);
    r.email = q.text(5);
    r.not_before = q.integer(6);
    r.not_after = q.integer(7);
    if (!q.isNull(8)) r.revoked_at = q.integer(8);
    r.revocation_reason = q.optText(9);
    r.product_id = q.optText(10);
    r.renewal_id = q.optText(11);
    r.pem = q.text(12);
    return r;
}

std::optional<std::string> optional(const std::string& s) {
    if (s.empty()) return std::nullopt;
    return s;
}
}  // namespace

X509NamePtr holderSubject(const HolderInfo& h) {
    NameParts parts = {{"C", "RO"}};
    if (!h.surname.empty()) parts.emplace_back("SN", h.surname);
    if (!h.given_name.empty()) parts.emplace_back("GN", h.given_name);
    parts.emplace_back("serialNumber", h.holder_id);
    parts.emplace_back("CN", h.common_name);
    return makeName(parts);
}

std::string certStatus(const CertRecord& r, long long now) {
    if (r.revoked_at) return "REVOKED";
    if (now > r.not_after) return "EXPIRED";
    return "ACTIVE";
}

nlohmann::json certJson(const CertRecord& r, long long now) {
    nlohmann::json j = {{"serial", r.serial},
                        {"status", certStatus(r, now)},
                        {"subject", r.subject},
                        {"common_name", r.common_name},
                        {"not_before", epochToIso(r.not_before)},
                        {"not_after", epochToIso(r.not_after)},
                        {"qualified", true},
                        {"revoked_at", nullptr},
                        {"revocation_reason", nullptr},
                        {"product_id", nullptr},
                        {"renewal_id", nullptr}};
    if (r.revoked_at) j["revoked_at"] = epochToIso(*r.revoked_at);
    if (r.revocation_reason) j["revocation_reason"] = *r.revocation_reason;
    if (r.product_id) j["product_id"] = *r.product_id;
    if (r.renewal_id) j["renewal_id"] = *r.renewal_id;
    return j;
}

CertRecord issueAndRecord(Database& db, const CaMaterial& ca, const X509_NAME* subject,
                          EVP_PKEY* pub, const Validity& validity, const std::string& email,
                          const std::string& product_id, const std::string& renewal_id) {
    auto holder = nameEntry(subject, NID_serialNumber);
    if (holder.empty())
        throw Error(ErrorKind::InvalidInput, "the subject has no serialNumber (holder id)");
    auto cert = makeQualifiedCert(subject, pub, ca.issuing.get(), ca.issuing_key.get(), validity,
                                  ca.ocsp_url, ca.crl_url);
    CertRecord r;
    r.serial = serialHex(cert.get());
    r.holder_id = holder;
    r.subject = nameOneLine(subject);
    r.common_name = nameEntry(subject, NID_commonName);
    r.email = email;
    r.not_before = validity.not_before;
    r.not_after = validity.not_after;
    r.product_id = optional(product_id);
    r.renewal_id = optional(renewal_id);
    r.pem = toPem(cert.get());
    db.prepare(
          "INSERT INTO certificates(serial, holder_id, subject, common_name, email, "
          "not_before, not_after, product_id, renewal_id, pem, issued_at) "
          "VALUES(?,?,?,?,?,?,?,?,?,?,?)")
        .bindAll(r.serial, r.holder_id, r.subject, r.common_name, r.email, r.not_before,
                 r.not_after, product_id.empty() ? DbValue(Null{}) : DbValue(product_id),
                 renewal_id.empty() ? DbValue(Null{}) : DbValue(renewal_id), r.pem, nowEpoch())
        .run();
    return r;
}

std::optional<CertRecord> findCertificate(Database& db, const std::string& serial) {
    auto q =
        db.prepare(std::string("SELECT ") + kCertColumns + " FROM certificates WHERE serial = ?");
    q.bindAll(serial);
    if (!q.step()) return std::nullopt;
    return readRecord(q);
}

std::vector<CertRecord> listCertificates(Database& db, const std::string& holder_id,
                                         const std::vector<std::string>& statuses,
                                         long long after_seq, int limit) {
    std::string cond;
    for (const auto& s : statuses) {
        if (!cond.empty()) cond += " OR ";
        if (s == "ACTIVE")
            cond += "(revoked_at IS NULL AND not_after >= ?3)";
        else if (s == "EXPIRED")
            cond += "(revoked_at IS NULL AND not_after < ?3)";
        else if (s == "REVOKED")
            cond += "(revoked_at IS NOT NULL)";
    }
    if (cond.empty()) return {};
    auto q = db.prepare(std::string("SELECT ") + kCertColumns +
                        " FROM certificates WHERE holder_id = ?1 AND seq > ?2 AND (" + cond +
                        ") ORDER BY seq LIMIT ?4");
    q.bind(1, holder_id).bind(2, after_seq).bind(3, nowEpoch()).bind(4, (long long)limit);
    std::vector<CertRecord> out;
    while (q.step()) out.push_back(readRecord(q));
    return out;
}

void revokeCertificate(Database& db, const std::string& serial, const std::string& reason) {
    auto upd = db.prepare(
        "UPDATE certificates SET revoked_at = ?, revocation_reason = ? "
        "WHERE serial = ? AND revoked_at IS NULL");
    upd.bindAll(nowEpoch(), reason, serial).run();
    if (db.changes() != 1)
        throw Error(ErrorKind::InvalidInput,
                    "no unrevoked certificate with serial " + serial + " in the register");
}

}  // namespace certagent::sandbox
