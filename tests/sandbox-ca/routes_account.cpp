// Account status, creation, and the e-mail confirmation link ("Cont activat cu succes").
#include "mail_outbox.hpp"
#include "portal.hpp"

namespace certagent::sandbox {

namespace {
// Every new account may request this many RFC 3161 timestamps ("Mărci temporale").
constexpr long long kInitialTimestampQuota = 50;

std::string maskEmail(const std::string& email) {
    auto at = email.find('@');
    if (at == std::string::npos || at == 0) return "***";
    return email.substr(0, 1) + "***" + email.substr(at);
}
}  // namespace

void Portal::requireActiveAccount(const Ctx& ctx) {
    auto q = db_.prepare("SELECT status FROM accounts WHERE holder_id = ?");
    q.bindAll(ctx.user().record.holder_id);
    std::string status = q.step() ? q.text(0) : "NONE";
    if (status != "ACTIVE")
        throw ApiError(403, "ACCOUNT_NOT_ACTIVE",
                       status == "NONE" ? "create an account first (POST /api/v1/account)"
                                        : "confirm your account with the link sent by e-mail",
                       {{"account_status", status}});
}

Reply Portal::getAccount(Ctx& ctx) {
    const auto& rec = ctx.user().record;
    nlohmann::json j = {
        {"status", "NONE"},
        {"holder",
         {{"id", rec.holder_id}, {"common_name", rec.common_name}, {"subject", rec.subject}}},
        {"email", maskEmail(rec.email)},
        {"created_at", nullptr},
        {"activated_at", nullptr},
        {"login_certificate",
         {{"serial", rec.serial},
          {"not_after", epochToIso(rec.not_after)},
          {"days_left", (rec.not_after - nowEpoch()) / 86400}}}};
    auto q =
        db_.prepare("SELECT status, created_at, activated_at FROM accounts WHERE holder_id = ?");
    q.bindAll(rec.holder_id);
    if (q.step()) {
        j["status"] = q.text(0);
        j["created_at"] = epochToIso(q.integer(1));
        if (!q.isNull(2)) j["activated_at"] = epochToIso(q.integer(2));
    }
    return jsonReply(200, j);
}

Reply Portal::createAccount(Ctx& ctx) {
    auto body = parseJsonObject(ctx.req);
    auto language = optionalString(body, "language", 8).value_or("ro");
    if (language != "ro" && language != "en")
        throw ApiError(422, "INVALID_FIELD", "language must be \"ro\" or \"en\"",
                       {{"field", "language"}, {"allowed", {"ro", "en"}}});
    const auto& rec = ctx.user().record;
    std::string token;
    auto q = db_.prepare("SELECT status, confirm_token FROM accounts WHERE holder_id = ?");
    q.bindAll(rec.holder_id);
    if (q.step()) {
        if (q.text(0) == "ACTIVE")
            throw ApiError(409, "ACCOUNT_ALREADY_ACTIVE",
                           "the account already exists and is active");
        token = q.text(1);  // pending: send the same link again
    } else {
        token = randomHex(24);
        db_.prepare(
               "INSERT INTO accounts(holder_id, email, status, confirm_token, created_at, "
               "timestamps_total) VALUES(?,?,?,?,?,?)")
            .bindAll(rec.holder_id, rec.email, std::string("PENDING_CONFIRMATION"), token,
                     nowEpoch(), kInitialTimestampQuota)
            .run();
    }
    Mail mail;
    mail.to = rec.email;
    mail.kind = "account-confirmation";
    const auto link = baseUrl() + "/portal/confirm/" + token;
    mail.sandbox_headers["Link"] = link;
    if (language == "ro") {
        mail.subject = "Confirmare cont CertAgent Sandbox CA";
        mail.body = "Bună ziua, " + rec.common_name +
                    ",\n\nAți solicitat crearea unui cont de client. Pentru activarea contului "
                    "accesați link-ul de mai jos:\n\n" +
                    link + "\n\nDacă nu ați solicitat acest cont, ignorați acest mesaj.\n";
    } else {
        mail.subject = "Confirm your CertAgent Sandbox CA account";
        mail.body = "Hello " + rec.common_name +
                    ",\n\nYou asked for a customer account. Open this link to activate it:\n\n" +
                    link + "\n\nIf you did not ask for it, ignore this message.\n";
    }
    auto outbox = options_.layout.outbox();
    ctx.after_commit.push_back([outbox, mail] { writeMail(outbox, mail); });
    return jsonReply(
        202, {{"status", "PENDING_CONFIRMATION"}, {"confirmation_sent_to", maskEmail(rec.email)}});
}

Reply Portal::confirmAccountPage(Ctx& ctx) {
    auto token = ctx.param(1);
    auto q = db_.prepare("SELECT holder_id, status FROM accounts WHERE confirm_token = ?");
    q.bindAll(token);
    if (!q.step())
        return htmlReply(404, "Link invalid",
                         "<p id=\"result\">Link de activare invalid sau expirat.</p>"
                         "<p lang=\"en\">Invalid or expired activation link.</p>");
    if (q.text(1) == "ACTIVE")
        return htmlReply(200, "Cont activ",
                         "<p id=\"result\">Contul este deja activ.</p>"
                         "<p lang=\"en\">The account is already active.</p>");
    db_.prepare("UPDATE accounts SET status = 'ACTIVE', activated_at = ? WHERE holder_id = ?")
        .bindAll(nowEpoch(), q.text(0))
        .run();
    return htmlReply(200, "Cont activat",
                     "<p id=\"result\">Cont activat cu succes.</p>"
                     "<p lang=\"en\">Account activated.</p>");
}

}  // namespace certagent::sandbox
