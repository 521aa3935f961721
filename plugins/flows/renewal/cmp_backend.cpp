// Crash safety: the request's DER (kur or ir: its transactionID, senderNonce and protection) is
// journalled before it leaves. A renewal resumed after a kill -9 sends those same bytes again,
// never a second request: a server that already took it answers from the same transaction (or
// says transactionIdInUse, which stops the renewal with that advice).
//
// "Waiting" across a restart: the server's waiting answer and the last pollReq/pollRep pair are
// journalled. OpenSSL 3.0's public API cannot put a fresh OSSL_CMP_CTX into the waiting state
// (its status and recipNonce setters and its pollReq builder are internal), so a resumed
// renewal replays those journalled answers through the transfer callback instead of sending
// anything: OpenSSL checks them again (protection, transactionID, nonces), is back where it
// was, and the first message that leaves is a pollReq of the same transaction, carrying the
// recipNonce the server expects. The server's checkAfter still counts from when it said so.
#include "cmp_backend.hpp"

#include <certagent/sdk/plugin.hpp>

#include <fmt/format.h>
#include <openssl/asn1.h>
#include <openssl/cmp.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include <cctype>
#include <filesystem>
#include <utility>

#include "cmp_message.hpp"
#include "cmp_status.hpp"
#include "cmp_token_key.hpp"
#include "failure.hpp"
#include "fault.hpp"

namespace certagent::renewal {
namespace {

using namespace cmp;
using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;
using NamePtr = std::unique_ptr<X509_NAME, decltype(&X509_NAME_free)>;

constexpr const char* kRequestKey = "cmp.request";  // hex DER of the kur/ir as sent
constexpr const char* kWaitingKey = "cmp.waiting";  // hex DER of the server's "waiting" answer
constexpr const char* kPollKey = "cmp.poll";        // hex DER of the last pollReq ':' of its answer
constexpr const char* kPollDueKey = "cmp.poll_due";  // ms: the server's checkAfter, as a time

bool isLoopbackUrl(const std::string& url) {
    for (const char* prefix :
         {"http://127.", "http://localhost:", "http://localhost/", "http://[::1]"})
        if (url.rfind(prefix, 0) == 0) return true;
    return false;
}

class CmpBackend final : public Backend {
  public:
    explicit CmpBackend(CmpSettings s) : s_(std::move(s)) {}
    ~CmpBackend() override { endTransaction(); }

    std::string name() const override { return "cmp"; }
    std::vector<Phase> phases() const override { return {}; }

    Outcome check(BackendContext& ctx) override {
        if (auto o = settingsProblem(ctx)) return *o;
        return Outcome::needsNewKey();
    }

    Outcome prepare(BackendContext& ctx) override {
        if (auto o = settingsProblem(ctx)) return *o;
        return Outcome::needsNewKey();  // kur and ir need the new key first
    }

    Outcome requestCertificate(BackendContext& ctx, const CertificateRequest& request) override {
        if (auto o = settingsProblem(ctx)) return *o;
        bctx_ = &ctx;
        transportError_ = nullptr;
        try {
            if (!cmp_) begin(ctx, request);
            for (;;) {
                int checkAfter = 0;
                ERR_clear_error();
                int res = OSSL_CMP_try_certreq(cmp_, bodyType_, nullptr, &checkAfter);
                rethrowSignerOrTransport();
                if (res == 1) return issued(ctx);
                const int status = OSSL_CMP_CTX_get_status(cmp_);
                if (res != -1 && status != OSSL_CMP_PKISTATUS_waiting) return failed(ctx, status);
                const int64_t now = ctx.nowMs();
                int64_t due = now + std::max(checkAfter, 1) * int64_t{1000};
                if (std::exchange(replayed_, false)) {
                    // Back from the journal: the server's checkAfter counts from its answer.
                    due = std::strtoll(ctx.value(kPollDueKey).value_or("0").c_str(), nullptr, 10);
                    if (due <= now) continue;  // poll now
                } else {
                    ctx.setValue(kPollDueKey, std::to_string(due));
                }
                ctx.record().caState = "waiting";
                return Outcome::wait(ctx.record().caReference,
                                     std::chrono::seconds(std::max<int64_t>(1, (due - now) / 1000)),
                                     _("The certification authority is still handling the "
                                       "request."));
            }
        } catch (const Failure& e) {
            endTransaction();
            if (e.code() == code::kNetwork) return Outcome::unreachable(e.describe());
            if (e.code() == code::kTls || e.code() == code::kConfig || e.code() == code::kUsage)
                return Outcome::misconfigured(e.describe(), e.code());
            if (e.code() == code::kProtocol) {
                ctx.warn(e.what());
                return Outcome::misconfigured(e.what(), "CA_ANSWER_UNEXPECTED");
            }
            throw;
        }
    }

    Outcome cancel(BackendContext& ctx) override {
        // A transaction in "waiting" is told that the client gives up (an error message).
        if (cmp_ && OSSL_CMP_CTX_get_status(cmp_) == OSSL_CMP_PKISTATUS_waiting) {
            bctx_ = &ctx;
            int ignored = 0;
            OSSL_CMP_try_certreq(cmp_, -1, nullptr, &ignored);
            ERR_clear_error();
        }
        endTransaction();
        return Outcome::rejected(_("cancelled"), "CANCELLED");
    }

  private:
    // A first enrolment (ir) has no certificate being renewed (engine.hpp Engine::enrol).
    static bool enrolment(BackendContext& ctx) { return ctx.record().certId.empty(); }
    bool hasSecret(BackendContext& ctx) const {
        return ctx.sharedSecret() != nullptr || !s_.secretFile.empty();
    }

    std::optional<Outcome> settingsProblem(BackendContext& ctx) const {
        if (s_.serverUrl.empty())
            return Outcome::misconfigured(_("[renewal.cmp] server is not set: the CMP server's "
                                            "address"),
                                          "renewal.cmp.server");
        if (s_.serverUrl.rfind("https://", 0) != 0 && !isLoopbackUrl(s_.serverUrl))
            return Outcome::misconfigured(_("[renewal.cmp] server must be an https:// address "
                                            "(plain http only to this computer)"),
                                          "renewal.cmp.server");
        // An answer protected with the shared secret needs no trust anchors.
        if (s_.trusted.empty() && !(enrolment(ctx) && hasSecret(ctx)))
            return Outcome::misconfigured(_("[renewal.cmp] trusted is not set: the PEM file with "
                                            "the certificates that sign the CMP server's answers"),
                                          "renewal.cmp.trusted");
        if (!s_.recipient.empty() && parseDistinguishedName(s_.recipient).empty())
            return Outcome::misconfigured(_("[renewal.cmp] recipient is not a name such as "
                                            "\"/CN=Issuing CA/O=Example\""),
                                          "renewal.cmp.recipient");
        if (enrolment(ctx) && !hasSecret(ctx))
            return Outcome::misconfigured(_("a first enrolment is protected with the shared "
                                            "secret the certification authority gave: name an "
                                            "environment variable holding it with --secret-env, "
                                            "or set [renewal.cmp] secret_file"),
                                          "renewal.cmp.secret_file");
        return std::nullopt;
    }

    // A new OpenSSL CMP transaction for `request`, signing with the token through ctx: a kur
    // protected by the renewed certificate's key (or the shared secret, when one is given), or
    // for a first enrolment an ir protected by the shared secret.
    void begin(BackendContext& ctx, const CertificateRequest& request) {
        const bool enrol = request.renewedCertificate.empty();
        bodyType_ = enrol ? kBodyIr : kBodyKur;
        X509Ptr old(nullptr, &X509_free);
        if (!enrol) {
            const unsigned char* p = request.renewedCertificate.data();
            old.reset(d2i_X509(nullptr, &p, static_cast<long>(request.renewedCertificate.size())));
            if (!old) throw Failure(code::kInvalidInput, "the renewed certificate cannot be read");
            int n = i2d_PUBKEY(X509_get0_pubkey(old.get()), nullptr);
            Bytes oldKey(static_cast<std::size_t>(std::max(n, 0)));
            unsigned char* w = oldKey.data();
            i2d_PUBKEY(X509_get0_pubkey(old.get()), &w);
            current_ = std::make_unique<cmp::TokenKey>(
                oldKey, [this, id = ctx.record().certId](const std::string& hash,
                                                         std::span<const uint8_t> d) {
                    return bctx_->signDigest(id, hash, d);
                });
        }
        candidate_ = std::make_unique<cmp::TokenKey>(
            request.candidatePublicKey, [this, id = request.candidateKeyId](
                                            const std::string& hash, std::span<const uint8_t> d) {
                return bctx_->signDigest(id, hash, d);
            });

        std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(),
                                                                      &X509_STORE_free);
        if (!s_.trusted.empty() && X509_STORE_load_file(store.get(), s_.trusted.c_str()) != 1) {
            ERR_clear_error();
            throw Failure(code::kConfig,
                          _("cannot read the trust anchors for the CMP server's answers"),
                          "renewal.cmp.trusted: " + s_.trusted);
        }
        std::string secret;
        if (const std::string* given = ctx.sharedSecret())
            secret = *given;
        else if (!s_.secretFile.empty())
            secret = readSecretFile(s_.secretFile);
        usesSecret_ = !secret.empty();

        cmp_ = OSSL_CMP_CTX_new(nullptr, nullptr);
        if (!cmp_) {
            wipe(secret);
            throw Failure(code::kInternal, "OSSL_CMP_CTX_new failed");
        }
        OSSL_CMP_CTX_set_log_cb(cmp_, &CmpBackend::log);
        OSSL_CMP_CTX_set_transfer_cb(cmp_, &CmpBackend::transfer);
        OSSL_CMP_CTX_set_transfer_cb_arg(cmp_, this);
        OSSL_CMP_CTX_set0_trustedStore(cmp_, store.release());
        bool ok = EVP_PKEY_up_ref(candidate_->pkey()) == 1 &&
                  OSSL_CMP_CTX_set0_newPkey(cmp_, 1, candidate_->pkey()) == 1;
        if (ok && old)
            ok = OSSL_CMP_CTX_set1_oldCert(cmp_, old.get()) == 1 &&
                 OSSL_CMP_CTX_set1_cert(cmp_, old.get()) == 1 &&
                 OSSL_CMP_CTX_set1_pkey(cmp_, current_->pkey()) == 1;
        if (ok && enrol) {
            auto der = parseDistinguishedName(ctx.record().subject);
            const unsigned char* q = der.data();
            NamePtr name(
                der.empty() ? nullptr : d2i_X509_NAME(nullptr, &q, static_cast<long>(der.size())),
                &X509_NAME_free);
            ok = name && OSSL_CMP_CTX_set1_subjectName(cmp_, name.get()) == 1;
        }
        if (ok && usesSecret_) {
            // Password-based MAC (RFC 9483 section 3.2): takes the place of the signature.
            // HMAC-SHA256 as RFC 9481 section 6.1.1 asks (OpenSSL 3.0 would use HMAC-SHA1).
            ok = OSSL_CMP_CTX_set_option(cmp_, OSSL_CMP_OPT_OWF_ALGNID, NID_sha256) == 1 &&
                 OSSL_CMP_CTX_set_option(cmp_, OSSL_CMP_OPT_MAC_ALGNID, NID_hmacWithSHA256) == 1 &&
                 OSSL_CMP_CTX_set1_secretValue(
                     cmp_, reinterpret_cast<const unsigned char*>(secret.data()),
                     static_cast<int>(secret.size())) == 1;
            auto reference = ctx.value(kCmpReferenceKey).value_or("");
            if (reference.empty()) reference = s_.reference;
            if (ok && !reference.empty())
                ok = OSSL_CMP_CTX_set1_referenceValue(
                         cmp_, reinterpret_cast<const unsigned char*>(reference.data()),
                         static_cast<int>(reference.size())) == 1;
        }
        wipe(secret);
        if (ok && s_.implicitConfirm)
            ok = OSSL_CMP_CTX_set_option(cmp_, OSSL_CMP_OPT_IMPLICIT_CONFIRM, 1) == 1;
        if (ok && !s_.recipient.empty()) {
            auto der = parseDistinguishedName(s_.recipient);
            const unsigned char* q = der.data();
            NamePtr name(d2i_X509_NAME(nullptr, &q, static_cast<long>(der.size())),
                         &X509_NAME_free);
            ok = name && OSSL_CMP_CTX_set1_recipient(cmp_, name.get()) == 1;
        }
        if (!ok) {
            auto why = openSslErrors();
            endTransaction();
            throw Failure(code::kInternal, "cannot set up the CMP request: " + why);
        }
    }

    void endTransaction() {
        if (cmp_) OSSL_CMP_CTX_free(cmp_);  // before the keys it references
        cmp_ = nullptr;
        candidate_.reset();
        current_.reset();
        replaying_ = replayed_ = false;
        lastAnswer_.clear();
    }

    void rethrowSignerOrTransport() {
        std::exception_ptr e = transportError_;
        transportError_ = nullptr;
        if (!e && current_) e = current_->takeError();
        if (!e && candidate_) e = candidate_->takeError();
        if (e) {
            ERR_clear_error();
            std::rethrow_exception(e);
        }
    }

    Outcome issued(BackendContext& ctx) {
        X509* cert = OSSL_CMP_CTX_get0_newCert(cmp_);
        if (!cert) {
            endTransaction();
            return Outcome::misconfigured(_("the CMP server answered without a certificate"),
                                          "CA_ANSWER_UNEXPECTED");
        }
        std::string chain;
        for (auto* list : {OSSL_CMP_CTX_get1_extraCertsIn(cmp_), OSSL_CMP_CTX_get1_caPubs(cmp_)}) {
            if (!list) continue;
            for (int i = 0; i < sk_X509_num(list); ++i) {
                X509* c = sk_X509_value(list, i);
                if (X509_cmp(c, cert) != 0) chain += pemOf(c);
            }
            sk_X509_pop_free(list, X509_free);
        }
        auto out = Outcome::issued(pemOf(cert), chain);
        ctx.record().caState = "issued";
        endTransaction();
        return out;
    }

    Outcome failed(BackendContext& ctx, int status) {
        const int failInfo = OSSL_CMP_CTX_get_failInfoCode(cmp_);
        std::string said;
        if (OSSL_CMP_PKIFREETEXT* t = OSSL_CMP_CTX_get0_statusString(cmp_)) {
            for (int i = 0; i < sk_ASN1_UTF8STRING_num(t); ++i) {
                const ASN1_UTF8STRING* s = sk_ASN1_UTF8STRING_value(t, i);
                said += (said.empty() ? "" : " ") +
                        std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                    static_cast<std::size_t>(ASN1_STRING_length(s)));
            }
        }
        const std::string errors = openSslErrors();
        const bool answerMac = macProtected(lastAnswer_);
        endTransaction();
        const bool protectionFailed = errors.find("validating protection") != std::string::npos ||
                                      errors.find("sender cert") != std::string::npos ||
                                      errors.find("certificate verify") != std::string::npos ||
                                      errors.find("trust") != std::string::npos;
        // The secrets differ when the server could not check our MAC (badMessageCheck) or ours
        // does not check its answer: it cannot have taken the request, so the next attempt
        // builds a new one (with the secret then given) instead of sending these bytes again.
        if (usesSecret_ && ((failInfo > 0 && (failInfo & OSSL_CMP_CTX_FAILINFO_badMessageCheck)) ||
                            (status < 0 && protectionFailed && answerMac))) {
            ctx.warn("CMP: the shared secret does not match the server's: " + errors);
            for (const char* key : {kRequestKey, kWaitingKey, kPollKey}) ctx.setValue(key, "");
            return Outcome::misconfigured(
                _("the CMP server and this computer do not have the same shared secret (or "
                  "reference), so the request was not accepted; nothing was installed. Check the "
                  "secret given with --secret-env or [renewal.cmp] secret_file"),
                "CMP_SECRET");
        }
        if (status >= 0 && (status == OSSL_CMP_PKISTATUS_rejection || failInfo > 0)) {
            ctx.warn("CMP: the server refused: " + errors);
            return cmp::outcomeFor(status, failInfo < 0 ? 0 : failInfo, said);
        }
        // No status from the server: its answer did not pass our checks (protection,
        // trust, nonces) or it was not a CMP answer at all.
        ctx.warn("CMP exchange failed: " + errors);
        if (protectionFailed)
            return Outcome::misconfigured(
                _("the CMP server's answer is not signed by a certificate that [renewal.cmp] "
                  "trusted lets this computer trust; nothing was installed"),
                "CMP_UNTRUSTED");
        return Outcome::misconfigured(
            _("the CMP server's answer could not be used; nothing was installed. Check "
              "[renewal.cmp] server, or tell your certification authority"),
            "CA_ANSWER_UNEXPECTED");
    }

    static int log(const char* func, const char* file, int line, OSSL_CMP_severity level,
                   const char* msg) {
        (void)func;
        (void)file;
        (void)line;
        (void)level;
        (void)msg;
        return 1;  // the outcome says what matters; OpenSSL's errors go to the log once
    }

    static OSSL_CMP_MSG* transfer(OSSL_CMP_CTX* cmp, const OSSL_CMP_MSG* req) {
        auto* self = static_cast<CmpBackend*>(OSSL_CMP_CTX_get_transfer_cb_arg(cmp));
        try {
            return self->exchange(cmp, req);
        } catch (...) {
            self->transportError_ = std::current_exception();
            return nullptr;
        }
    }

    // The journalled answer `hex` handed to OpenSSL as if the server had just sent it.
    OSSL_CMP_MSG* replay(const std::string& hex) {
        auto msg = msgOf(fromHex(hex));
        if (!msg) throw Failure(code::kInternal, "a journalled CMP answer cannot be read");
        lastAnswer_ = fromHex(hex);
        return msg.release();
    }

    static void adoptNonce(OSSL_CMP_CTX* cmp, const Bytes& sent) {
        auto nonce = senderNonceOf(sent);
        if (!nonce || OSSL_CMP_CTX_set1_senderNonce(cmp, nonce.get()) != 1)
            throw Failure(code::kInternal, "the journalled CMP request cannot be read");
    }

    OSSL_CMP_MSG* exchange(OSSL_CMP_CTX* cmp, const OSSL_CMP_MSG* req) {
        BackendContext& ctx = *bctx_;
        Bytes body = derOf(req);
        const int type = OSSL_CMP_MSG_get_bodytype(req);
        const bool initial = type == kBodyKur || type == kBodyIr;
        if (initial) {
            auto stored = ctx.value(kRequestKey).value_or("");
            if (!stored.empty()) {
                // A resumed renewal: the journalled request, its transaction and nonce.
                body = fromHex(stored);
                auto msg = msgOf(body);
                if (!msg)
                    throw Failure(code::kInternal, "the journalled CMP request cannot be read");
                OSSL_CMP_CTX_set1_transactionID(
                    cmp, OSSL_CMP_HDR_get0_transactionID(OSSL_CMP_MSG_get0_header(msg.get())));
                adoptNonce(cmp, body);
                if (auto waiting = ctx.value(kWaitingKey).value_or(""); !waiting.empty()) {
                    ctx.progress(
                        _("Asking the certification authority again about the request "
                          "it is handling (the same transaction)"));
                    replaying_ = true;
                    return replay(waiting);
                }
                ctx.progress(_("Sending the journalled request again (the same transaction)"));
            } else {
                ctx.setValue(kRequestKey, toHex(body));  // durable before it leaves
                ctx.record().caReference =
                    hexOf(OSSL_CMP_HDR_get0_transactionID(OSSL_CMP_MSG_get0_header(req)));
                ctx.record().caState = "sent";
                ctx.save();
                ctx.progress(type == kBodyIr
                                 ? _("Sending the certificate request to the certification "
                                     "authority")
                                 : _("Sending the key update request to the certification "
                                     "authority"));
            }
        } else if (type == kBodyPollReq) {
            // OpenSSL polls only after a "waiting" answer: that answer is what a restart replays.
            if (ctx.value(kWaitingKey).value_or("").empty() && !lastAnswer_.empty())
                ctx.setValue(kWaitingKey, toHex(lastAnswer_));
            if (std::exchange(replaying_, false)) {
                if (auto poll = ctx.value(kPollKey).value_or(""); !poll.empty()) {
                    auto bar = poll.find(':');
                    if (bar == std::string::npos)
                        throw Failure(code::kInternal, "the journalled CMP poll cannot be read");
                    adoptNonce(cmp, fromHex(poll.substr(0, bar)));
                    replayed_ = true;
                    return replay(poll.substr(bar + 1));
                }
            }
        }
        replaying_ = replayed_ = false;
        Bytes rsp = post(ctx, body);
        if (initial) faultPoint("certificate:after");
        // The pair in one journal write: a restart replays the answer with its request's nonce.
        if (type == kBodyPollReq) ctx.setValue(kPollKey, toHex(body) + ":" + toHex(rsp));
        auto msg = msgOf(rsp);
        if (!msg)
            throw Failure(code::kProtocol,
                          fmt::format(fmt::runtime(_("the CMP server's answer (HTTP {0}) is not a "
                                                     "CMP message; check [renewal.cmp] server")),
                                      httpStatus_),
                          s_.serverUrl);
        lastAnswer_ = std::move(rsp);
        return msg.release();
    }

    // One message to the server and its answer's bytes.
    Bytes post(BackendContext& ctx, const Bytes& body) {
        HttpRequest h;
        h.method = "POST";
        h.url = s_.serverUrl;
        h.contentType = "application/pkixcmp";
        h.body.assign(body.begin(), body.end());
        h.allowPlainHttpToLoopback = isLoopbackUrl(s_.serverUrl);
        auto answer = ctx.http().perform(h);
        if (answer.status >= 500 && answer.body.empty())
            throw Failure(
                code::kNetwork,
                fmt::format(fmt::runtime(_("the CMP server answered HTTP {0}")), answer.status),
                s_.serverUrl);
        httpStatus_ = answer.status;
        return Bytes(answer.body.begin(), answer.body.end());
    }

    CmpSettings s_;
    OSSL_CMP_CTX* cmp_ = nullptr;
    int bodyType_ = kBodyKur;
    bool usesSecret_ = false;
    bool replaying_ = false;  // the journalled "waiting" answer was handed to OpenSSL
    bool replayed_ = false;   // ... and the last pollRep: the transaction is where it was
    Bytes lastAnswer_;
    long httpStatus_ = 0;
    std::unique_ptr<cmp::TokenKey> current_, candidate_;
    BackendContext* bctx_ = nullptr;
    std::exception_ptr transportError_;
};

}  // namespace

Bytes parseDistinguishedName(const std::string& text) {
    NamePtr name(X509_NAME_new(), &X509_NAME_free);
    std::vector<std::string> parts;
    if (!text.empty() && text.front() == '/') {
        std::string cur;
        for (std::size_t i = 1; i <= text.size(); ++i) {
            if (i == text.size() || (text[i] == '/' && text[i - 1] != '\\')) {
                parts.push_back(cur);
                cur.clear();
            } else if (!(text[i] == '\\' && i + 1 < text.size() && text[i + 1] == '/')) {
                cur += text[i];
            }
        }
    } else {
        std::string cur;
        for (std::size_t i = 0; i <= text.size(); ++i) {
            if (i == text.size() || (text[i] == ',' && (i == 0 || text[i - 1] != '\\'))) {
                while (!cur.empty() && std::isspace(static_cast<unsigned char>(cur.front())))
                    cur.erase(cur.begin());
                parts.push_back(cur);
                cur.clear();
            } else if (!(text[i] == '\\' && i + 1 < text.size() && text[i + 1] == ',')) {
                cur += text[i];
            }
        }
    }
    for (const auto& part : parts) {
        auto eq = part.find('=');
        if (eq == std::string::npos || eq == 0) return {};
        auto type = part.substr(0, eq);
        auto value = part.substr(eq + 1);
        if (X509_NAME_add_entry_by_txt(name.get(), type.c_str(), MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>(value.c_str()), -1,
                                       -1, 0) != 1) {
            ERR_clear_error();
            return {};
        }
    }
    if (X509_NAME_entry_count(name.get()) == 0) return {};
    int n = i2d_X509_NAME(name.get(), nullptr);
    Bytes out(static_cast<std::size_t>(n));
    unsigned char* w = out.data();
    i2d_X509_NAME(name.get(), &w);
    return out;
}

std::unique_ptr<Backend> makeCmpBackend(CmpSettings settings) {
    return std::make_unique<CmpBackend>(std::move(settings));
}

}  // namespace certagent::renewal
