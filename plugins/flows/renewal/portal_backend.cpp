// The portal protocol (docs/portal-api.md) as a renewal backend. The CA's request state drives
// everything: each call reads it and does the one thing that state allows, so a resumed
// renewal never repeats a step the CA already took. Writes carry the journal's idempotency key
// for that step, stored before the call (BackendContext::idempotencyKey).
#include <certagent/sdk/plugin.hpp>

#include "portal_backend.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>

#include "failure.hpp"
#include "fault.hpp"
#include "portal_answer.hpp"

namespace certagent::renewal {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr std::uintmax_t kMaxIdentityBytes = 5u << 20;  // the CA's PDF limit
constexpr double kMinDpi = 300;                         // the CA's guide: scans at 300 dpi
// docs/portal-api.md: account and payment states this version knows.
constexpr std::initializer_list<const char*> kAccountStates = {"NONE", "PENDING_CONFIRMATION",
                                                               "ACTIVE"};
constexpr std::initializer_list<const char*> kPaymentStates = {"PENDING", "OTP_SENT", "PAID",
                                                               "FAILED", "CANCELLED"};

// Leaves prepare() with an outcome from anywhere inside it.
struct Stop {
    Outcome outcome;
};

std::string readFile(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) throw Failure(code::kIo, _("cannot read the file"), p.string());
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void writeFile(const std::filesystem::path& p, const std::string& data) {
    auto tmp = p;
    tmp += ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out.write(data.data(), static_cast<std::streamsize>(data.size()));
        if (!out) throw Failure(code::kIo, _("cannot write the file"), tmp.string());
    }
    std::filesystem::rename(tmp, p);
}

struct CaAnswer {
    long status = 0;
    std::string request;  // "GET api/v1/account": names the call in messages
    std::string contentType;
    bool isJson = false;
    json body;  // parsed when the content type says JSON (discarded when it is not valid)
    std::string raw;
    // The answer's fields, read by shape (portal_answer.hpp): anything the protocol does not
    // allow throws Failure("protocol") naming this request and the field.
    portal::Fields fields() const {
        if (!isJson) portal::notJson(request, contentType);
        return portal::Fields(body, request);
    }
    // error.code / error.message of an error answer, when they are texts.
    std::string errorField(const char* name) const {
        if (!body.is_object()) return {};
        auto e = body.find("error");
        if (e == body.end() || !e->is_object()) return {};
        auto v = e->find(name);
        return v != e->end() && v->is_string() ? v->get<std::string>() : std::string();
    }
    std::string code() const { return errorField("code"); }
    std::string message() const {
        auto m = errorField("message");
        return m.empty() ? raw.substr(0, 200) : m;
    }
};

class PortalBackend final : public Backend {
  public:
    explicit PortalBackend(PortalSettings s) : base_(std::move(s.baseUrl)) {
        if (!base_.empty() && base_.back() != '/') base_ += '/';
    }
    std::string name() const override { return "portal"; }

    std::vector<Phase> phases() const override {
        return {{"account", _("Account at the certification authority"), "identity"},
                {"product", _("Choosing the period and the certificate type"), "identity"},
                {"identity", _("Uploading the identity card (PDF)"), "identity"},
                {"declaration", _("Signing the declaration"), "declaration"},
                {"submit", _("Sending the renewal request"), "submit"},
                {"payment", _("Payment"), "payment"},
                {"validation", _("Validation by the certification authority"), "validation"}};
    }

    Outcome check(BackendContext& ctx) override {
        return guard(ctx, [&] {
            // Any JSON answer proves the address, TLS trust and the protocol; a login error
            // about the certificate itself is final.
            auto a = call(ctx, "GET", "api/v1/account");
            if (a.status == 200) {
                a.fields().oneOf("status", kAccountStates);
                return Outcome::needsNewKey();
            }
            if (a.code() == "CLIENT_CERT_REQUIRED") return Outcome::needsNewKey();
            throw Stop{loginRefusal(a)};
        });
    }

    Outcome prepare(BackendContext& ctx) override {
        return guard(ctx, [&] {
            ensureAccount(ctx);
            ensureRequest(ctx);
            for (int i = 0; i < 12; ++i) {
                auto a = call(ctx, "GET", "api/v1/renewals/" + ctx.record().caReference);
                expectOk(a);
                if (auto o = onState(ctx, a.fields())) return *o;
            }
            return Outcome::misconfigured(_("the CA's request does not move forward"));
        });
    }

    Outcome requestCertificate(BackendContext& ctx, const CertificateRequest& request) override {
        return guard(ctx, [&] {
            auto& r = ctx.record();
            auto path = "api/v1/renewals/" + r.caReference + "/csr";
            auto a = call(ctx, "POST", path, json{{"csr_pem", request.csrPem}}.dump(),
                          "application/json", ctx.idempotencyKey("csr"));
            faultPoint("certificate:after");
            if (a.status == 201 || a.status == 200) {
                auto issued = issuedFrom(a);
                ctx.record().caState = "EMISA";
                return issued;
            }
            if (a.code() == "ALREADY_ISSUED") return fetchCertificate(ctx);
            if (a.code() == "CSR_KEY_REUSED") return Outcome::needsNewKey();
            if (a.code() == "INVALID_STATE") return prepare(ctx);
            throw Stop{refusal(a)};
        });
    }

    Outcome cancel(BackendContext& ctx) override {
        return guard(ctx, [&] {
            auto& r = ctx.record();
            // Until the payment: the CA refuses to cancel a paid request.
            if (r.caReference.empty() || r.step != Step::Request || r.phase == "validation")
                return Outcome::rejected(_("cancelled"), "CANCELLED");
            auto a = call(ctx, "POST", "api/v1/renewals/" + r.caReference + "/cancel", {},
                          "application/json", ctx.idempotencyKey("cancel"));
            if (a.status == 200 || a.status == 201 || a.status == 204)
                return Outcome::rejected(_("cancelled"), "CANCELLED");
            throw Stop{refusal(a)};
        });
    }

  private:
    template <typename F>
    Outcome guard(BackendContext& ctx, F&& f) {
        try {
            return f();
        } catch (const Stop& s) {
            return s.outcome;
        } catch (const Failure& e) {
            if (e.code() == code::kNetwork) return Outcome::unreachable(e.describe());
            if (e.code() == code::kProtocol) {
                ctx.warn(e.what());
                return Outcome::misconfigured(e.what(), "CA_ANSWER_UNEXPECTED");
            }
            if (e.code() == code::kTls || e.code() == code::kConfig || e.code() == code::kUsage)
                return Outcome::misconfigured(e.describe(), e.code());
            throw;
        } catch (const json::exception& e) {
            // Every field is read through portal::Fields; this is a safety net, and the
            // library's text is for the log only.
            ctx.warn(std::string("reading the CA's answer failed: ") + e.what());
            return Outcome::misconfigured(_("the certification authority's answer could not be "
                                            "read. Nothing was changed; run the renewal again "
                                            "later, and if this persists, tell your "
                                            "certification authority"),
                                          "CA_ANSWER_UNEXPECTED");
        }
    }

    CaAnswer call(BackendContext& ctx, const std::string& method, const std::string& path,
                  const std::string& body = {}, const std::string& type = {},
                  const std::string& key = {}, const std::string& accept = "application/json") {
        HttpRequest req;
        req.method = method;
        req.url = base_ + path;
        req.body = body;
        req.contentType = type;
        if (!key.empty()) req.headers.emplace_back("Idempotency-Key", key);
        if (!accept.empty()) req.headers.emplace_back("Accept", accept);
        auto resp = ctx.http().perform(req);
        CaAnswer a;
        a.status = resp.status;
        a.request = method + " " + path.substr(0, path.find('?'));
        a.contentType = resp.header("content-type");
        a.raw = std::move(resp.body);
        if (a.contentType.find("json") != std::string::npos) {
            a.isJson = true;
            a.body = portal::parseBody(a.raw);
        }
        if (a.status >= 500)
            throw Failure(
                code::kNetwork,
                fmt::format(fmt::runtime(_("the CA answered {0}: {1}")), a.status, a.message()),
                req.url);
        return a;
    }

    static Outcome loginRefusal(const CaAnswer& a) {
        auto code = a.code();
        if (code == "CLIENT_CERT_EXPIRED")
            return Outcome::rejected(
                _("The certificate has expired, so it cannot be renewed online. Apply for a "
                  "new certificate at your certification authority."),
                code);
        if (code == "CLIENT_CERT_REVOKED")
            return Outcome::rejected(
                _("The certificate was revoked; it cannot be renewed. Apply for a new "
                  "certificate at your certification authority."),
                code);
        if (code == "CLIENT_CERT_UNTRUSTED" || code == "CLIENT_CERT_UNKNOWN")
            return Outcome::misconfigured(
                _("This certification authority does not know the certificate. Check "
                  "[renewal] portal_url: it must be the CA that issued the certificate."),
                code);
        return refusal(a);
    }

    static Outcome refusal(const CaAnswer& a) {
        auto code = a.code();
        if (a.status == 401 || a.status == 403) {
            if (code.rfind("CLIENT_CERT_", 0) == 0) return loginRefusal(a);
        }
        return Outcome::misconfigured(
            fmt::format(fmt::runtime(_("the CA refused the call ({0} {1}): {2}")), a.status, code,
                        a.message()),
            code);
    }

    static void expectOk(const CaAnswer& a) {
        if (a.status < 200 || a.status > 299) throw Stop{refusal(a)};
    }

    void ensureAccount(BackendContext& ctx) {
        if (ctx.value("account_active")) return;
        ctx.enterPhase("account");
        auto a = call(ctx, "GET", "api/v1/account");
        if (a.status != 200) throw Stop{loginRefusal(a)};
        auto account = a.fields();
        auto status = account.oneOf("status", kAccountStates);
        if (status == "ACTIVE") {
            ctx.setValue("account_active", "1");
            return;
        }
        std::string sentTo = account.optionalText("email").value_or("");
        if (status == "NONE") {
            auto p = call(ctx, "POST", "api/v1/account", json{{"language", "ro"}}.dump(),
                          "application/json", ctx.idempotencyKey("account"));
            if (p.status == 409) {  // became active meanwhile
                ctx.setValue("account_active", "1");
                return;
            }
            expectOk(p);
            sentTo = p.fields().optionalText("confirmation_sent_to").value_or(sentTo);
        }
        if (sentTo.empty()) sentTo = _("your e-mail address");
        throw Stop{Outcome::wait(
            {}, 5s,
            fmt::format(fmt::runtime(_("Open the confirmation link sent by the certification "
                                       "authority to {0}; the renewal continues by itself "
                                       "afterwards.")),
                        sentTo),
            true)};
    }

    std::string chooseProduct(BackendContext& ctx) {
        if (auto p = ctx.value("product_id")) return *p;
        auto a = call(ctx, "GET", "api/v1/products?limit=100");
        expectOk(a);
        int years = ctx.record().years;
        for (const auto& item : a.fields().objects("items")) {
            if (item.integer("validity_years") == years &&
                item.text("certificate_type") == "QUALIFIED_NATURAL_PERSON") {
                auto id = item.text("id");
                ctx.setValue("product_id", id);
                return id;
            }
        }
        throw Stop{Outcome::misconfigured(
            fmt::format(fmt::runtime(_("the CA offers no {0}-year renewal")), years),
            "UNKNOWN_PRODUCT")};
    }

    void ensureRequest(BackendContext& ctx) {
        auto& r = ctx.record();
        if (!r.caReference.empty()) return;
        ctx.enterPhase("product");
        auto product = chooseProduct(ctx);
        auto a = call(ctx, "POST", "api/v1/renewals",
                      json{{"certificate_serial", r.certSerial}, {"product_id", product}}.dump(),
                      "application/json", ctx.idempotencyKey("create"));
        faultPoint("product:after");
        if (a.status == 201 || a.status == 200) {
            r.caReference = a.fields().text("id");
        } else if (a.code() == "RENEWAL_ALREADY_OPEN") {
            // Our journal lost it (or another agent opened it): resume the CA's request.
            r.caReference = a.fields().object("error").object("details").text("renewal_id");
        } else {
            throw Stop{refusal(a)};
        }
        if (r.caReference.empty()) throw Stop{Outcome::misconfigured(_("no request id"))};
        ctx.save();  // the reference is durable before anything is uploaded, submitted or paid
    }

    std::optional<Outcome> onState(BackendContext& ctx, const portal::Fields& req) {
        auto& r = ctx.record();
        // Unknown states are named below (UNKNOWN_STATE); a missing one is never guessed.
        auto state = req.text("state");
        if (state != r.caState) {
            r.caState = state;
            ctx.save();
        }
        if (state == "CIORNA") {
            uploadIdentity(ctx);
        } else if (state == "ACT_INCARCAT") {
            signDeclaration(ctx);
        } else if (state == "DECLARATIE_SEMNATA") {
            ctx.enterPhase("submit");
            auto a = call(ctx, "POST", "api/v1/renewals/" + r.caReference + "/submit", {},
                          "application/json", ctx.idempotencyKey("submit"));
            faultPoint("submit:after");
            if (a.code() != "INVALID_STATE") expectOk(a);
        } else if (state == "PLATA_IN_ASTEPTARE") {
            return payment(ctx, req);
        } else if (state == "IN_ASTEPTARE") {
            ctx.enterPhase("validation");
            return Outcome::wait(r.caReference, 5s,
                                 _("IN ASTEPTARE: waiting for the certification authority to "
                                   "validate the request."));
        } else if (state == "ACCEPTATA_PREAPROBATA") {
            if (r.step == Step::Request) {
                ctx.enterPhase("validation");
                ctx.progress(_("ACCEPTATA - PREAPROBATA: the request was accepted."));
                ctx.notify(_("Renewal accepted"),
                           _("ACCEPTATA - PREAPROBATA: the certification authority accepted "
                             "the request. The new certificate is being generated."),
                           "normal");
            }
            return Outcome::needsNewKey({"ec-p256", "ec-p384", "rsa2048", "rsa3072", "rsa4096"});
        } else if (state == "EMISA") {
            return fetchCertificate(ctx);
        } else if (state == "RESPINSA") {
            auto reason = req.optionalText("rejection_reason").value_or("");
            auto text = fmt::format(fmt::runtime(_("RESPINSA: the certification authority "
                                                   "rejected the request: {0}")),
                                    reason);
            ctx.notify(_("Renewal rejected"), text, "critical");
            return Outcome::rejected(text, "RESPINSA");
        } else if (state == "ANULATA") {
            return Outcome::rejected(_("The request was cancelled at the certification "
                                       "authority."),
                                     "ANULATA");
        } else {
            return Outcome::misconfigured(
                fmt::format(fmt::runtime(_("the CA reports a state this version does not know: "
                                           "{0}")),
                            state),
                "UNKNOWN_STATE");
        }
        return std::nullopt;
    }

    void uploadIdentity(BackendContext& ctx) {
        auto& r = ctx.record();
        ctx.enterPhase("identity");
        if (r.idDocument.empty())
            throw Stop{Outcome::misconfigured(
                _("The identity card (PDF, scanned at 300 dpi or more) is needed: give it with "
                  "--id-document FILE.pdf."),
                "ID_DOCUMENT_MISSING")};
        std::filesystem::path doc = r.idDocument;
        PdfFacts info;
        try {
            info = ctx.inspectPdf(doc, kMinDpi);
        } catch (const Failure& e) {
            if (e.code() != code::kInvalidInput && e.code() != code::kIo) throw;
            throw Stop{Outcome::misconfigured(e.describe(), "NOT_A_PDF")};
        }
        if (info.fileSize > kMaxIdentityBytes)
            throw Stop{Outcome::misconfigured(_("the identity document is larger than 5 MiB"),
                                              "PAYLOAD_TOO_LARGE")};
        // Refused here, before anything is uploaded: the CA refuses it too.
        if (double dpi = info.minImageDpi; dpi > 0 && !info.resolutionOk)
            throw Stop{Outcome::misconfigured(
                fmt::format(fmt::runtime(_("The identity card is scanned at {0:.0f} dpi; the "
                                           "certification authority asks for 300 dpi or more. "
                                           "Scan it again at 300 dpi and give the new file with "
                                           "--id-document.")),
                            dpi),
                "ID_SCAN_RESOLUTION_TOO_LOW")};
        auto a = call(ctx, "PUT", "api/v1/renewals/" + r.caReference + "/identity-document",
                      readFile(doc), "application/pdf", ctx.idempotencyKey("identity"));
        if (a.code() == "INVALID_STATE") return;
        expectOk(a);
    }

    void signDeclaration(BackendContext& ctx) {
        auto& r = ctx.record();
        ctx.enterPhase("declaration");
        auto dir = ctx.workDir();
        auto unsignedPath = dir / "declaration.pdf";
        auto signedPath = dir / "declaration-signed.pdf";
        if (!std::filesystem::exists(unsignedPath)) {
            auto a = call(ctx, "GET", "api/v1/renewals/" + r.caReference + "/declaration", {}, {},
                          {}, "application/pdf");
            expectOk(a);
            writeFile(unsignedPath, a.raw);
        }
        if (r.declarationPath != unsignedPath.string()) {
            r.declarationPath = unsignedPath.string();
            ctx.save();
        }
        // Signed once: a second signature has other bytes, and the upload's key would then
        // carry another body. The signed file is kept until the CA accepted it.
        if (!std::filesystem::exists(signedPath)) {
            auto answer = ctx.ask(Prompt::SignDeclaration);
            if (answer == Answer::Later)
                throw Stop{Outcome::wait(r.caReference, 0s,
                                         _("Read the declaration, then confirm that it may be "
                                           "signed."),
                                         true)};
            if (answer == Answer::No)
                throw Stop{
                    Outcome::rejected(_("You chose not to sign the declaration."), "DECLINED")};
            ctx.progress(_("Signing the declaration on the token…"));
            auto tmp = signedPath;
            tmp += ".part";
            std::filesystem::remove(tmp);  // left by a kill while signing
            ctx.signPdf(unsignedPath, tmp, "Declaratie reinnoire certificat");
            std::filesystem::rename(tmp, signedPath);
        }
        faultPoint("declaration:signed");
        auto a =
            call(ctx, "PUT", "api/v1/renewals/" + r.caReference + "/signed-declaration",
                 readFile(signedPath), "application/pdf", ctx.idempotencyKey("signed-declaration"));
        if (a.code() == "INVALID_STATE") return;
        expectOk(a);
    }

    std::optional<Outcome> payment(BackendContext& ctx, const portal::Fields& req) {
        auto& r = ctx.record();
        ctx.enterPhase("payment");
        std::optional<portal::Fields> pay(req.object("payment"));
        CaAnswer renewed;  // holds the new payment's answer while `pay` refers to it
        if (pay->oneOf("status", kPaymentStates) == "FAILED") {
            // A new payment, keyed by the failed one so a retry does not open two.
            renewed =
                call(ctx, "POST", "api/v1/renewals/" + r.caReference + "/payment", {},
                     "application/json", ctx.idempotencyKey("payment-after-" + pay->text("id")));
            faultPoint("payment:after");
            expectOk(renewed);
            pay.emplace(renewed.fields());
        }
        auto url = pay->optionalText("payment_url").value_or("");
        if (!url.empty() && url != r.paymentUrl) {
            r.paymentUrl = url;
            ctx.save();
        }
        if (!url.empty() && ctx.ask(Prompt::OpenPaymentPage) == Answer::Later)
            return Outcome::wait(r.caReference, 0s, _("Open the payment page and pay by card."),
                                 true);
        return Outcome::wait(r.caReference, 4s,
                             _("Waiting for the payment to be confirmed (\"Plata înregistrată "
                               "cu succes\")."));
    }

    Outcome fetchCertificate(BackendContext& ctx) {
        auto a = call(ctx, "GET", "api/v1/renewals/" + ctx.record().caReference + "/certificate");
        expectOk(a);
        return issuedFrom(a);
    }

    static Outcome issuedFrom(const CaAnswer& a) {
        auto f = a.fields();
        return Outcome::issued(f.text("certificate_pem"), f.optionalText("chain_pem").value_or(""));
    }

    std::string base_;
};

}  // namespace

std::unique_ptr<Backend> makePortalBackend(PortalSettings settings) {
    return std::make_unique<PortalBackend>(std::move(settings));
}

}  // namespace certagent::renewal
