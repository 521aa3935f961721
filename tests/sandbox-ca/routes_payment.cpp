// Payment: the status the agent polls (JSON) and the browser pages the user pays on (card form,
// then a one-time code mailed to the outbox, as a bank's 3-D Secure step would text it).
#include "mail_outbox.hpp"
#include "portal.hpp"

#include <openssl/rand.h>

#include <cctype>
#include <ctime>

namespace certagent::sandbox {

namespace {
constexpr int kMaxOtpAttempts = 3;
// The test card that the sandbox bank always declines.
constexpr const char* kDeclinedCard = "4000000000000002";

bool luhnValid(const std::string& digits) {
    int sum = 0;
    bool dbl = false;
    for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
        int d = *it - '0';
        if (dbl) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
        sum += d;
        dbl = !dbl;
    }
    return sum % 10 == 0;
}

std::string digitsOnly(const std::string& s) {
    std::string out;
    for (char c : s)
        if (std::isdigit(static_cast<unsigned char>(c)))
            out += c;
        else if (c != ' ' && c != '-')
            return {};
    return out;
}

bool expiryInFuture(const std::string& mmYy) {
    if (mmYy.size() != 5 || mmYy[2] != '/') return false;
    if (!std::isdigit((unsigned char)mmYy[0]) || !std::isdigit((unsigned char)mmYy[1]) ||
        !std::isdigit((unsigned char)mmYy[3]) || !std::isdigit((unsigned char)mmYy[4]))
        return false;
    int month = std::stoi(mmYy.substr(0, 2)), year = 2000 + std::stoi(mmYy.substr(3, 2));
    if (month < 1 || month > 12) return false;
    time_t now = time(nullptr);
    struct tm tm {};
    gmtime_r(&now, &tm);
    int cur_year = tm.tm_year + 1900, cur_month = tm.tm_mon + 1;
    return year > cur_year || (year == cur_year && month >= cur_month);
}

std::string amountText(long long minor) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%lld,%02lld RON", minor / 100, minor % 100);
    return buf;
}

std::string cardForm(const std::string& error) {
    return (error.empty() ? ""
                          : "<p id=\"error\" style=\"color:#b00\">" + htmlEscape(error) + "</p>") +
           "<form method=\"post\" action=\"card\" id=\"card-form\">"
           "<label>Număr card <input name=\"card_number\" autocomplete=\"cc-number\"></label><br>"
           "<label>Expiră (LL/AA) <input name=\"expiry\" placeholder=\"12/30\"></label><br>"
           "<label>CVV <input name=\"cvc\" size=\"4\"></label><br>"
           "<label>Titular <input name=\"cardholder\"></label><br>"
           "<button type=\"submit\">Plătește</button></form>";
}

std::string otpForm(const std::string& error) {
    return (error.empty() ? ""
                          : "<p id=\"error\" style=\"color:#b00\">" + htmlEscape(error) + "</p>") +
           "<p>Am trimis un cod OTP pe adresa de e-mail a contului (banca l-ar trimite prin SMS)."
           "</p><form method=\"post\" action=\"otp\" id=\"otp-form\">"
           "<label>Cod OTP <input name=\"otp\" inputmode=\"numeric\"></label> "
           "<button type=\"submit\">Confirmă</button></form>";
}
}  // namespace

std::string Portal::createPayment(const std::string& renewal_id, long long amount_minor) {
    auto id = "pay_" + randomHex(8);
    long long now = nowEpoch();
    db_.prepare(
           "INSERT INTO payments(id, renewal_id, page_token, amount_minor, currency, status, "
           "created_at, updated_at) VALUES(?,?,?,?,'RON','PENDING',?,?)")
        .bindAll(id, renewal_id, randomHex(24), amount_minor, now, now)
        .run();
    return id;
}

nlohmann::json Portal::paymentJson(const std::string& payment_id) {
    auto q = db_.prepare(
        "SELECT status, amount_minor, currency, page_token, failure_reason, "
        "created_at, updated_at FROM payments WHERE id = ?");
    q.bindAll(payment_id);
    q.step();
    return {{"id", payment_id},
            {"status", q.text(0)},
            {"amount", {{"amount_minor", q.integer(1)}, {"currency", q.text(2)}}},
            {"payment_url", baseUrl() + "/portal/pay/" + q.text(3)},
            {"failure_reason", q.isNull(4) ? nlohmann::json() : nlohmann::json(q.text(4))},
            {"created_at", epochToIso(q.integer(5))},
            {"updated_at", epochToIso(q.integer(6))}};
}

void Portal::onPaymentCompleted(const std::string& renewal_id, const std::string& actor) {
    applyTransition(db_, renewal_id, RenewalEvent::PaymentCompleted, actor,
                    "Plata înregistrată cu succes");
    if (options_.auto_approve)
        applyTransition(db_, renewal_id, RenewalEvent::Approve, "auto-approve");
}

Reply Portal::getPayment(Ctx& ctx) {
    auto id = ownedRenewal(ctx);
    auto q = db_.prepare(
        "SELECT id FROM payments WHERE renewal_id = ? ORDER BY created_at DESC, "
        "rowid DESC LIMIT 1");
    q.bindAll(id);
    if (!q.step())
        throw ApiError(404, "PAYMENT_NOT_STARTED", "submit the request first; payment follows");
    return jsonReply(200, paymentJson(q.text(0)));
}

Reply Portal::startPayment(Ctx& ctx) {
    auto id = ownedRenewal(ctx);
    parseJsonObject(ctx.req);
    auto s = db_.prepare("SELECT state, product_id FROM renewals WHERE id = ?");
    s.bindAll(id);
    s.step();
    if (s.text(0) != stateName(RenewalState::PlataInAsteptare))
        throw ApiError(409, "INVALID_STATE", "payment is only possible in PLATA_IN_ASTEPTARE",
                       {{"state", s.text(0)}});
    auto q = db_.prepare(
        "SELECT id, status, amount_minor FROM payments WHERE renewal_id = ? "
        "ORDER BY created_at DESC, rowid DESC LIMIT 1");
    q.bindAll(id);
    if (q.step() && q.text(1) != "FAILED") return jsonReply(200, paymentJson(q.text(0)));
    auto amount = q.integer(2);
    return jsonReply(201, paymentJson(createPayment(id, amount)));
}

namespace {
struct PaymentRow {
    std::string id, renewal_id, status;
    long long amount = 0;
    std::string otp_sha256;
    long long attempts = 0;
    std::string failure;
};
}  // namespace

static std::optional<PaymentRow> paymentByToken(Database& db, const std::string& token) {
    auto q = db.prepare(
        "SELECT id, renewal_id, status, amount_minor, otp_sha256, otp_attempts, "
        "failure_reason FROM payments WHERE page_token = ?");
    q.bindAll(token);
    if (!q.step()) return std::nullopt;
    return PaymentRow{q.text(0), q.text(1),    q.text(2), q.integer(3),
                      q.text(4), q.integer(5), q.text(6)};
}

static Reply statusPage(const PaymentRow& p, int http_status = 200) {
    if (p.status == "PAID")
        return htmlReply(http_status, "Plată",
                         "<p id=\"result\">Plata înregistrată cu succes.</p>"
                         "<p lang=\"en\">Payment recorded.</p>"
                         "<p><a href=\"#\">Înapoi la pagina produsului</a></p>");
    if (p.status == "FAILED")
        return htmlReply(http_status, "Plată",
                         "<p id=\"result\">Plata a eșuat (" + htmlEscape(p.failure) +
                             "). Reluați plata din aplicație.</p>");
    return htmlReply(http_status, "Plată", "<p id=\"result\">Plata a fost anulată.</p>");
}

Reply Portal::paymentPage(Ctx& ctx) {
    auto p = paymentByToken(db_, ctx.param(1));
    if (!p) return htmlReply(404, "Plată", "<p id=\"result\">Pagină de plată inexistentă.</p>");
    std::string head = "<p>Reînnoire certificat calificat — de plată: <b id=\"amount\">" +
                       amountText(p->amount) + "</b></p>";
    if (p->status == "PENDING") return htmlReply(200, "Plată", head + cardForm(""));
    if (p->status == "OTP_SENT") return htmlReply(200, "Plată", head + otpForm(""));
    return statusPage(*p);
}

Reply Portal::paymentCardPost(Ctx& ctx) {
    auto p = paymentByToken(db_, ctx.param(1));
    if (!p) return htmlReply(404, "Plată", "<p id=\"result\">Pagină de plată inexistentă.</p>");
    if (p->status != "PENDING") return statusPage(*p, p->status == "PAID" ? 200 : 409);
    auto number = digitsOnly(formField(ctx.req, "card_number"));
    auto cvc = digitsOnly(formField(ctx.req, "cvc"));
    auto head = "<p>De plată: <b id=\"amount\">" + amountText(p->amount) + "</b></p>";
    if (number.size() < 13 || number.size() > 19 || !luhnValid(number))
        return htmlReply(422, "Plată", head + cardForm("Numărul cardului nu este valid."));
    if (!expiryInFuture(formField(ctx.req, "expiry")))
        return htmlReply(422, "Plată", head + cardForm("Data de expirare nu este validă."));
    if (cvc.size() < 3 || cvc.size() > 4)
        return htmlReply(422, "Plată", head + cardForm("Codul CVV nu este valid."));
    long long now = nowEpoch();
    if (number == kDeclinedCard) {
        db_.prepare(
               "UPDATE payments SET status = 'FAILED', failure_reason = 'CARD_DECLINED', "
               "updated_at = ? WHERE id = ?")
            .bindAll(now, p->id)
            .run();
        p->status = "FAILED";
        p->failure = "CARD_DECLINED";
        return statusPage(*p, 402);
    }
    unsigned char raw[4];
    RAND_bytes(raw, sizeof raw);
    char otp[8];
    std::snprintf(
        otp, sizeof otp, "%06u",
        ((unsigned)raw[0] << 24 | (unsigned)raw[1] << 16 | raw[2] << 8 | raw[3]) % 1000000u);
    db_.prepare(
           "UPDATE payments SET status = 'OTP_SENT', otp_sha256 = ?, otp_attempts = 0, "
           "updated_at = ? WHERE id = ?")
        .bindAll(sha256Hex(std::string(otp)), now, p->id)
        .run();
    auto e = db_.prepare(
        "SELECT c.email FROM renewals r JOIN certificates c ON c.serial = "
        "r.certificate_serial WHERE r.id = ?");
    e.bindAll(p->renewal_id);
    e.step();
    Mail mail;
    mail.to = e.text(0);
    mail.kind = "payment-otp";
    mail.subject = "Cod OTP pentru plata cu cardul";
    mail.body = std::string("Codul dumneavoastră OTP este: ") + otp +
                "\n\nSuma: " + amountText(p->amount) + "\nNu comunicați acest cod nimănui.\n";
    mail.sandbox_headers["Otp"] = otp;
    mail.sandbox_headers["Payment"] = p->id;
    auto outbox = options_.layout.outbox();
    ctx.after_commit.push_back([outbox, mail] { writeMail(outbox, mail); });
    return htmlReply(200, "Plată", head + otpForm(""));
}

Reply Portal::paymentOtpPost(Ctx& ctx) {
    auto p = paymentByToken(db_, ctx.param(1));
    if (!p) return htmlReply(404, "Plată", "<p id=\"result\">Pagină de plată inexistentă.</p>");
    if (p->status == "PENDING")
        return htmlReply(409, "Plată", cardForm("Introduceți întâi datele cardului."));
    if (p->status != "OTP_SENT") return statusPage(*p, p->status == "PAID" ? 200 : 409);
    long long now = nowEpoch();
    if (sha256Hex(formField(ctx.req, "otp")) != p->otp_sha256) {
        long long attempts = p->attempts + 1;
        bool failed = attempts >= kMaxOtpAttempts;
        db_.prepare(
               "UPDATE payments SET otp_attempts = ?, status = ?, failure_reason = ?, "
               "updated_at = ? WHERE id = ?")
            .bindAll(attempts, std::string(failed ? "FAILED" : "OTP_SENT"),
                     failed ? DbValue(std::string("OTP_ATTEMPTS_EXCEEDED")) : DbValue(Null{}), now,
                     p->id)
            .run();
        if (failed) {
            p->status = "FAILED";
            p->failure = "OTP_ATTEMPTS_EXCEEDED";
            return statusPage(*p, 422);
        }
        return htmlReply(422, "Plată",
                         otpForm("Cod OTP greșit. Încercări rămase: " +
                                 std::to_string(kMaxOtpAttempts - attempts)));
    }
    db_.prepare("UPDATE payments SET status = 'PAID', updated_at = ? WHERE id = ?")
        .bindAll(now, p->id)
        .run();
    onPaymentCompleted(p->renewal_id, "payment-page");
    p->status = "PAID";
    return statusPage(*p);
}

}  // namespace certagent::sandbox
