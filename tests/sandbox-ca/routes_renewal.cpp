// The renewal request: create, identity document, declaration, signed declaration, submit,
// cancel, CSR and certificate download. Payment lives in routes_payment.cpp.
#include "csr_policy.hpp"
#include "declaration.hpp"
#include "portal.hpp"
#include "products.hpp"
#include "registry.hpp"

#include <certagent/core/pdf/inspect.hpp>

#include <algorithm>
#include <ctime>
#include <sstream>

namespace certagent::sandbox {

namespace {
std::string newRenewalId() {
    auto h = randomHex(16);
    return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
           "-" + h.substr(20);
}

long long addYears(long long epoch, int years) {
    time_t t = static_cast<time_t>(epoch);
    struct tm tm {};
    gmtime_r(&t, &tm);
    tm.tm_year += years;
    return static_cast<long long>(timegm(&tm));
}

// The portal asks for the identity card "scanned at 300 dpi or more".
constexpr double kMinIdentityDpi = 300;

// Beyond header and trailer: the PDF must parse, not be encrypted, have pages, and any scan in
// it must be sharp enough. A PDF without images (typed text) is accepted: tests make those.
void checkIdentityPdf(const std::string& pdf, const std::filesystem::path& scratch) {
    std::filesystem::create_directories(scratch);
    auto file = scratch / ("identity-" + randomHex(8) + ".pdf");
    writeText(file, pdf);
    pdf::PdfInspection info;
    try {
        info = pdf::inspectPdf(file);
    } catch (const Error& e) {
        std::filesystem::remove(file);
        throw ApiError(422, "NOT_A_PDF", "the file is not a readable PDF document",
                       {{"reason", e.what()}});
    }
    std::filesystem::remove(file);
    if (info.encrypted || info.page_count < 1)
        throw ApiError(422, "NOT_A_PDF", "the PDF is encrypted or has no pages",
                       {{"encrypted", info.encrypted}, {"pages", info.page_count}});
    if (!info.images.empty() && !pdf::meetsResolution(info.minImageDpi(), kMinIdentityDpi))
        throw ApiError(
            422, "IDENTITY_SCAN_RESOLUTION_TOO_LOW", "scan the identity card at 300 dpi or more",
            {{"min_dpi", static_cast<int>(info.minImageDpi())}, {"required_dpi", kMinIdentityDpi}});
}

std::string normalSerial(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), ::toupper);
    return s;
}

struct RenewalRow {
    std::string state;
    std::string certificate_serial;
    std::string product_id;
    std::optional<std::string> declaration;
    std::optional<std::string> new_serial;
};

RenewalRow loadRow(Database& db, const std::string& id) {
    auto q = db.prepare(
        "SELECT state, certificate_serial, product_id, declaration_pdf, "
        "new_certificate_serial FROM renewals WHERE id = ?");
    q.bindAll(id);
    q.step();
    RenewalRow r{q.text(0), q.text(1), q.text(2), std::nullopt, q.optText(4)};
    if (!q.isNull(3)) {
        auto b = q.blob(3);
        r.declaration = std::string(b.begin(), b.end());
    }
    return r;
}

// Writes on a request need the very certificate being renewed: it signs the declaration and
// its subject goes into the new certificate.
void requireRenewedLogin(const Login& login, const RenewalRow& row) {
    if (login.record.serial != row.certificate_serial)
        throw ApiError(
            403, "WRONG_LOGIN_CERTIFICATE", "log in with the certificate this request renews",
            {{"expected_serial", row.certificate_serial}, {"login_serial", login.record.serial}});
}
}  // namespace

std::string Portal::ownedRenewal(const Ctx& ctx) {
    requireActiveAccount(ctx);
    auto id = ctx.param(1);
    auto q = db_.prepare("SELECT holder_id FROM renewals WHERE id = ?");
    q.bindAll(id);
    // Someone else's request reads as missing: ids are not an oracle.
    if (!q.step() || q.text(0) != ctx.user().record.holder_id)
        throw ApiError(404, "RENEWAL_NOT_FOUND", "no renewal request of yours has this id",
                       {{"id", id}});
    return id;
}

nlohmann::json Portal::renewalJson(const std::string& id) {
    auto q = db_.prepare(
        "SELECT state, certificate_serial, product_id, identity_sha256, length(identity_pdf), "
        "declaration_pdf IS NOT NULL, NULL, signed_declaration_pdf IS NOT NULL, "
        "rejection_reason, new_certificate_serial, created_at, updated_at FROM renewals "
        "WHERE id = ?");
    q.bindAll(id);
    q.step();
    auto state = parseState(q.text(0)).value();
    const Product* product = findProduct(q.text(2));
    nlohmann::json j = {
        {"id", id},
        {"state", stateName(state)},
        {"state_label", stateLabel(state)},
        {"final", isFinal(state)},
        {"certificate_serial", q.text(1)},
        {"product", product ? productJson(*product) : nlohmann::json()},
        {"identity_document", nullptr},
        {"declaration", {{"available", q.integer(5) != 0}, {"signed", q.integer(7) != 0}}},
        {"payment", nullptr},
        {"rejection_reason", q.isNull(8) ? nlohmann::json() : nlohmann::json(q.text(8))},
        {"new_certificate_serial", q.isNull(9) ? nlohmann::json() : nlohmann::json(q.text(9))},
        {"created_at", epochToIso(q.integer(10))},
        {"updated_at", epochToIso(q.integer(11))},
        {"next_actions", nextActions(state)},
    };
    if (!q.isNull(3))
        j["identity_document"] = {{"sha256", q.text(3)}, {"size_bytes", q.integer(4)}};
    auto p = db_.prepare(
        "SELECT id FROM payments WHERE renewal_id = ? ORDER BY created_at DESC, "
        "rowid DESC LIMIT 1");
    p.bindAll(id);
    if (p.step()) j["payment"] = paymentJson(p.text(0));
    nlohmann::json history = nlohmann::json::array();
    auto h = db_.prepare(
        "SELECT at, from_state, to_state, actor, note FROM renewal_events "
        "WHERE renewal_id = ? ORDER BY seq");
    h.bindAll(id);
    while (h.step())
        history.push_back({{"at", epochToIso(h.integer(0))},
                           {"from", h.isNull(1) ? nlohmann::json() : nlohmann::json(h.text(1))},
                           {"to", h.text(2)},
                           {"actor", h.text(3)},
                           {"note", h.isNull(4) ? nlohmann::json() : nlohmann::json(h.text(4))}});
    j["history"] = history;
    return j;
}

Reply Portal::createRenewal(Ctx& ctx) {
    requireActiveAccount(ctx);
    auto body = parseJsonObject(ctx.req);
    auto serial = normalSerial(requireString(body, "certificate_serial", 64));
    auto product_id = requireString(body, "product_id", 64);
    const Product* product = findProduct(product_id);
    if (!product) {
        nlohmann::json ids = nlohmann::json::array();
        for (const auto& p : productCatalogue()) ids.push_back(p.id);
        throw ApiError(422, "UNKNOWN_PRODUCT", "no product " + product_id,
                       {{"field", "product_id"}, {"allowed", ids}});
    }
    const auto& login = ctx.user();
    if (serial != login.record.serial)
        throw ApiError(422, "CERTIFICATE_NOT_LOGIN", "renew the certificate you are logged in with",
                       {{"field", "certificate_serial"}, {"login_serial", login.record.serial}});
    auto open = db_.prepare(
        "SELECT id FROM renewals WHERE certificate_serial = ? AND state NOT "
        "IN ('EMISA','RESPINSA','ANULATA')");
    open.bindAll(serial);
    if (open.step())
        throw ApiError(409, "RENEWAL_ALREADY_OPEN",
                       "this certificate already has an open renewal request",
                       {{"renewal_id", open.text(0)}});
    auto id = newRenewalId();
    long long now = nowEpoch();
    db_.prepare(
           "INSERT INTO renewals(id, holder_id, certificate_serial, product_id, state, "
           "created_at, updated_at) VALUES(?,?,?,?,?,?,?)")
        .bindAll(id, login.record.holder_id, serial, product->id,
                 std::string(stateName(RenewalState::Ciorna)), now, now)
        .run();
    db_.prepare(
           "INSERT INTO renewal_events(renewal_id, at, from_state, to_state, actor) "
           "VALUES(?,?,NULL,?,?)")
        .bindAll(id, now, std::string(stateName(RenewalState::Ciorna)), std::string("holder"))
        .run();
    auto reply = jsonReply(201, renewalJson(id));
    reply.headers.emplace_back("Location", "/api/v1/renewals/" + id);
    return reply;
}

Reply Portal::listRenewals(Ctx& ctx) {
    requireActiveAccount(ctx);
    auto page = parsePage(ctx.req);
    std::string filter;
    if (ctx.req.has_param("open")) {
        auto v = ctx.req.get_param_value("open");
        if (v != "true" && v != "false")
            throw ApiError(400, "INVALID_PARAMETER", "open is true or false",
                           {{"parameter", "open"}});
        filter = std::string(" AND state ") + (v == "true" ? "NOT " : "") +
                 "IN ('EMISA','RESPINSA','ANULATA')";
    }
    if (ctx.req.has_param("state")) {
        std::istringstream in(ctx.req.get_param_value("state"));
        std::string list;
        for (std::string s; std::getline(in, s, ',');) {
            if (!parseState(s))
                throw ApiError(400, "INVALID_PARAMETER", "unknown state " + s,
                               {{"parameter", "state"}});
            list += (list.empty() ? "'" : ",'") + s + "'";  // validated names only
        }
        if (!list.empty()) filter += " AND state IN (" + list + ")";
    }
    auto q = db_.prepare("SELECT seq, id FROM renewals WHERE holder_id = ? AND seq > ?" + filter +
                         " ORDER BY seq LIMIT ?");
    q.bindAll(ctx.user().record.holder_id, page.after_seq, (long long)page.limit + 1);
    std::vector<std::pair<long long, std::string>> rows;
    while (q.step()) rows.emplace_back(q.integer(0), q.text(1));
    bool more = rows.size() > static_cast<size_t>(page.limit);
    if (more) rows.pop_back();
    nlohmann::json items = nlohmann::json::array();
    for (const auto& [seq, id] : rows) {
        auto j = renewalJson(id);
        j.erase("history");  // lists stay small; GET one request for its history
        items.push_back(std::move(j));
    }
    return jsonReply(200, pageJson(items, more, rows.empty() ? 0 : rows.back().first));
}

Reply Portal::getRenewal(Ctx& ctx) { return jsonReply(200, renewalJson(ownedRenewal(ctx))); }

Reply Portal::uploadIdentityDocument(Ctx& ctx) {
    auto id = ownedRenewal(ctx);
    auto row = loadRow(db_, id);
    requireRenewedLogin(ctx.user(), row);
    auto pdf = requirePdfBody(ctx.req);
    checkIdentityPdf(pdf, options_.layout.dir / "tmp");
    applyTransition(db_, id, RenewalEvent::UploadIdentity, "holder");
    const auto& rec = ctx.user().record;
    const Product* product = findProduct(row.product_id);
    DeclarationData d{id,
                      rec.common_name,
                      rec.holder_id,
                      rec.serial,
                      nameEntry(X509_get_subject_name(ca_.issuing.get()), NID_commonName),
                      product->name_ro,
                      product->years,
                      sha256Hex(pdf)};
    auto declaration = makeDeclarationPdf(d, options_.layout.dir / "tmp");
    db_.prepare(
           "UPDATE renewals SET identity_pdf = ?, identity_sha256 = ?, declaration_pdf = ? "
           "WHERE id = ?")
        .bindAll(Blob(pdf.begin(), pdf.end()), sha256Hex(pdf),
                 Blob(declaration.begin(), declaration.end()), id)
        .run();
    return jsonReply(200, renewalJson(id));
}

Reply Portal::getDeclaration(Ctx& ctx) {
    auto id = ownedRenewal(ctx);
    auto row = loadRow(db_, id);
    if (!row.declaration)
        throw ApiError(409, "DECLARATION_NOT_READY",
                       "upload the identity document first; the declaration is made from it",
                       {{"state", row.state}});
    Reply r;
    r.content_type = "application/pdf";
    r.body = *row.declaration;
    r.headers.emplace_back("ETag", "\"" + sha256Hex(r.body) + "\"");
    r.headers.emplace_back("Content-Disposition", "inline; filename=\"declaratie-" + id + ".pdf\"");
    return r;
}

Reply Portal::uploadSignedDeclaration(Ctx& ctx) {
    auto id = ownedRenewal(ctx);
    auto row = loadRow(db_, id);
    requireRenewedLogin(ctx.user(), row);
    auto pdf = requirePdfBody(ctx.req);
    if (!row.declaration || row.state != stateName(RenewalState::ActIncarcat))
        throw ApiError(409, "INVALID_STATE",
                       "a signed declaration is accepted once, after the identity document",
                       {{"state", row.state}});
    checkSignedDeclaration(pdf, *row.declaration, ctx.user().cert.get(), options_.layout,
                           options_.layout.dir / "tmp");
    db_.prepare("UPDATE renewals SET signed_declaration_pdf = ? WHERE id = ?")
        .bindAll(Blob(pdf.begin(), pdf.end()), id)
        .run();
    applyTransition(db_, id, RenewalEvent::UploadSignedDeclaration, "holder");
    return jsonReply(200, renewalJson(id));
}

Reply Portal::submitRenewal(Ctx& ctx) {
    auto id = ownedRenewal(ctx);
    auto row = loadRow(db_, id);
    requireRenewedLogin(ctx.user(), row);
    parseJsonObject(ctx.req);  // no fields yet; still refuse garbage
    applyTransition(db_, id, RenewalEvent::Submit, "holder", "Trimite cerere de reînnoire");
    auto payment = createPayment(id, findProduct(row.product_id)->price_minor);
    if (options_.auto_pay) {
        db_.prepare("UPDATE payments SET status = 'PAID', updated_at = ? WHERE id = ?")
            .bindAll(nowEpoch(), payment)
            .run();
        onPaymentCompleted(id, "auto-pay");
    }
    return jsonReply(200, renewalJson(id));
}

Reply Portal::cancelRenewal(Ctx& ctx) {
    auto id = ownedRenewal(ctx);
    requireRenewedLogin(ctx.user(), loadRow(db_, id));
    parseJsonObject(ctx.req);
    applyTransition(db_, id, RenewalEvent::Cancel, "holder");
    db_.prepare(
           "UPDATE payments SET status = 'CANCELLED', updated_at = ? WHERE renewal_id = ? "
           "AND status IN ('PENDING','OTP_SENT')")
        .bindAll(nowEpoch(), id)
        .run();
    return jsonReply(200, renewalJson(id));
}

Reply Portal::uploadCsr(Ctx& ctx) {
    auto id = ownedRenewal(ctx);
    auto row = loadRow(db_, id);
    requireRenewedLogin(ctx.user(), row);
    auto body = parseJsonObject(ctx.req);
    auto pem = requireString(body, "csr_pem", 16 * 1024);
    if (row.new_serial)
        throw ApiError(409, "ALREADY_ISSUED",
                       "a certificate was already issued for this request; download it",
                       {{"new_certificate_serial", *row.new_serial}});
    if (row.state != stateName(RenewalState::AcceptataPreaprobata))
        throw ApiError(409, "INVALID_STATE",
                       "the CSR is accepted once the request is ACCEPTATA_PREAPROBATA",
                       {{"state", row.state}});
    auto renewed = certFromPem(ctx.user().record.pem);
    auto csr = checkRenewalCsr(pem, renewed.get());
    const Product* product = findProduct(row.product_id);
    Validity v = validityFromNow(0);
    v.not_after = addYears(v.not_before + 60, product->years);
    auto issued = issueAndRecord(db_, ca_, X509_REQ_get_subject_name(csr.get()),
                                 X509_REQ_get0_pubkey(csr.get()), v, ctx.user().record.email,
                                 product->id, id);
    db_.prepare(
           "UPDATE renewals SET csr_pem = ?, new_certificate_serial = ? WHERE id = ? AND "
           "new_certificate_serial IS NULL")
        .bindAll(pem, issued.serial, id)
        .run();
    applyTransition(db_, id, RenewalEvent::IssueCertificate, "ca", issued.serial);
    auto j = nlohmann::json{{"certificate", certJson(issued, nowEpoch())},
                            {"certificate_pem", issued.pem},
                            {"chain_pem", ca_.chain_pem}};
    return jsonReply(201, j);
}

Reply Portal::getIssuedCertificate(Ctx& ctx) {
    auto id = ownedRenewal(ctx);
    auto row = loadRow(db_, id);
    if (!row.new_serial)
        throw ApiError(409, "CERTIFICATE_NOT_ISSUED", "no certificate was issued for this request",
                       {{"state", row.state}});
    auto rec = findCertificate(db_, *row.new_serial).value();
    if (ctx.req.get_header_value("Accept").find("application/pem-certificate-chain") !=
        std::string::npos) {
        Reply r;
        r.content_type = "application/pem-certificate-chain";
        r.body = rec.pem + ca_.chain_pem;
        return r;
    }
    return jsonReply(200, {{"certificate", certJson(rec, nowEpoch())},
                           {"certificate_pem", rec.pem},
                           {"chain_pem", ca_.chain_pem}});
}

}  // namespace certagent::sandbox
