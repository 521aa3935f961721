// Crash safety: the kur's DER (its transactionID, senderNonce and signatures) is journalled
// before it leaves. A renewal resumed after a kill -9 sends those same bytes again, never a
// second request: a server that already took it answers from the same transaction (or says
// transactionIdInUse, which stops the renewal with that advice). While the server answers
// "waiting", the transaction stays in this object between the engine's calls, which poll it.
#include "cmp_backend.hpp"

#include <certagent/sdk/plugin.hpp>

#include <fmt/format.h>
#include <openssl/asn1.h>
#include <openssl/cmp.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cctype>
#include <filesystem>

#include "cmp_status.hpp"
#include "cmp_token_key.hpp"
#include "failure.hpp"
#include "fault.hpp"

namespace certagent::renewal {
namespace {

using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;
using NamePtr = std::unique_ptr<X509_NAME, decltype(&X509_NAME_free)>;
using MsgPtr = std::unique_ptr<OSSL_CMP_MSG, decltype(&OSSL_CMP_MSG_free)>;
using OctetPtr = std::unique_ptr<ASN1_OCTET_STRING, decltype(&ASN1_OCTET_STRING_free)>;

// PKIBody choices (RFC 4210 section 5.1.2); OpenSSL 3.0 keeps its names internal.
constexpr int kBodyIr = 0;
constexpr int kBodyKur = 7;

constexpr const char* kRequestKey = "cmp.request";  // hex DER of the kur as sent

Bytes derOf(const OSSL_CMP_MSG* m) {
    int n = i2d_OSSL_CMP_MSG(m, nullptr);
    if (n <= 0) throw Failure(code::kInternal, "cannot encode the CMP message");
    Bytes out(static_cast<std::size_t>(n));
    unsigned char* w = out.data();
    i2d_OSSL_CMP_MSG(m, &w);
    return out;
}

MsgPtr msgOf(const Bytes& der) {
    const unsigned char* p = der.data();
    return MsgPtr(d2i_OSSL_CMP_MSG(nullptr, &p, static_cast<long>(der.size())), &OSSL_CMP_MSG_free);
}

// The senderNonce ([5] in PKIHeader) of an encoded PKIMessage: OpenSSL 3.0 has no getter.
OctetPtr senderNonceOf(const Bytes& der) {
    const unsigned char* p = der.data();
    const unsigned char* end = p + der.size();
    long len = 0;
    int tag = 0, cls = 0;
    auto next = [&](const unsigned char*& q, long max) {
        return !(ASN1_get_object(&q, &len, &tag, &cls, max) & 0x80);
    };
    if (!next(p, end - p) || tag != V_ASN1_SEQUENCE) return {nullptr, &ASN1_OCTET_STRING_free};
    if (!next(p, end - p) || tag != V_ASN1_SEQUENCE) return {nullptr, &ASN1_OCTET_STRING_free};
    const unsigned char* headerEnd = p + len;
    while (p < headerEnd) {
        if (!next(p, headerEnd - p)) break;
        if (cls == V_ASN1_CONTEXT_SPECIFIC && tag == 5) {
            const unsigned char* q = p;
            return {d2i_ASN1_OCTET_STRING(nullptr, &q, len), &ASN1_OCTET_STRING_free};
        }
        p += len;
    }
    return {nullptr, &ASN1_OCTET_STRING_free};
}

std::string pemOf(X509* x) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
    PEM_write_bio_X509(bio.get(), x);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

std::string hexOf(const ASN1_OCTET_STRING* s) {
    if (!s) return {};
    return toHex(Bytes(ASN1_STRING_get0_data(s), ASN1_STRING_get0_data(s) + ASN1_STRING_length(s)));
}

// The OpenSSL errors behind a failed exchange, for the log.
std::string openSslErrors() {
    std::string all;
    while (unsigned long e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        all += (all.empty() ? "" : "; ") + std::string(buf);
    }
    return all;
}

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

    Outcome check(BackendContext&) override {
        if (auto o = settingsProblem()) return *o;
        return Outcome::needsNewKey();
    }

    Outcome prepare(BackendContext&) override {
        if (auto o = settingsProblem()) return *o;
        return Outcome::needsNewKey();  // kur needs the new key first; the CA has nothing yet
    }

    Outcome requestCertificate(BackendContext& ctx, const CertificateRequest& request) override {
        if (auto o = settingsProblem()) return *o;
        bctx_ = &ctx;
        transportError_ = nullptr;
        try {
            if (!cmp_) begin(ctx, request);
            int checkAfter = 0;
            ERR_clear_error();
            int res = OSSL_CMP_try_certreq(cmp_, kBodyKur, nullptr, &checkAfter);
            rethrowSignerOrTransport();
            if (res == 1) return issued(ctx);
            const int status = OSSL_CMP_CTX_get_status(cmp_);
            if (res == -1 || status == OSSL_CMP_PKISTATUS_waiting) {
                ctx.record().caState = "waiting";
                return Outcome::wait(ctx.record().caReference,
                                     std::chrono::seconds(std::max(checkAfter, 1)),
                                     _("The certification authority is still handling the "
                                       "request."));
            }
            return failed(ctx, status);
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
    std::optional<Outcome> settingsProblem() const {
        if (s_.serverUrl.empty())
            return Outcome::misconfigured(_("[renewal.cmp] server is not set: the CMP server's "
                                            "address"),
                                          "renewal.cmp.server");
        if (s_.serverUrl.rfind("https://", 0) != 0 && !isLoopbackUrl(s_.serverUrl))
            return Outcome::misconfigured(_("[renewal.cmp] server must be an https:// address "
                                            "(plain http only to this computer)"),
                                          "renewal.cmp.server");
        if (s_.trusted.empty())
            return Outcome::misconfigured(_("[renewal.cmp] trusted is not set: the PEM file with "
                                            "the certificates that sign the CMP server's answers"),
                                          "renewal.cmp.trusted");
        if (!s_.recipient.empty() && parseDistinguishedName(s_.recipient).empty())
            return Outcome::misconfigured(_("[renewal.cmp] recipient is not a name such as "
                                            "\"/CN=Issuing CA/O=Example\""),
                                          "renewal.cmp.recipient");
        return std::nullopt;
    }

    // A new OpenSSL CMP transaction for `request`, signing with the token through ctx.
    void begin(BackendContext& ctx, const CertificateRequest& request) {
        const unsigned char* p = request.renewedCertificate.data();
        X509Ptr old(d2i_X509(nullptr, &p, static_cast<long>(request.renewedCertificate.size())),
                    &X509_free);
        if (!old) throw Failure(code::kInvalidInput, "the renewed certificate cannot be read");
        Bytes oldKey;
        {
            int n = i2d_PUBKEY(X509_get0_pubkey(old.get()), nullptr);
            oldKey.resize(static_cast<std::size_t>(std::max(n, 0)));
            unsigned char* w = oldKey.data();
            i2d_PUBKEY(X509_get0_pubkey(old.get()), &w);
        }
        const std::string currentId = ctx.record().certId;
        const std::string candidateId = request.candidateKeyId;
        current_ = std::make_unique<cmp::TokenKey>(
            oldKey, [this, currentId](const std::string& hash, std::span<const uint8_t> d) {
                return bctx_->signDigest(currentId, hash, d);
            });
        candidate_ = std::make_unique<cmp::TokenKey>(
            request.candidatePublicKey,
            [this, candidateId](const std::string& hash, std::span<const uint8_t> d) {
                return bctx_->signDigest(candidateId, hash, d);
            });

        std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(),
                                                                      &X509_STORE_free);
        if (X509_STORE_load_file(store.get(), s_.trusted.c_str()) != 1) {
            ERR_clear_error();
            throw Failure(code::kConfig,
                          _("cannot read the trust anchors for the CMP server's answers"),
                          "renewal.cmp.trusted: " + s_.trusted);
        }

        cmp_ = OSSL_CMP_CTX_new(nullptr, nullptr);
        if (!cmp_) throw Failure(code::kInternal, "OSSL_CMP_CTX_new failed");
        OSSL_CMP_CTX_set_log_cb(cmp_, &CmpBackend::log);
        OSSL_CMP_CTX_set_transfer_cb(cmp_, &CmpBackend::transfer);
        OSSL_CMP_CTX_set_transfer_cb_arg(cmp_, this);
        OSSL_CMP_CTX_set0_trustedStore(cmp_, store.release());
        bool ok = OSSL_CMP_CTX_set1_oldCert(cmp_, old.get()) == 1 &&
                  OSSL_CMP_CTX_set1_cert(cmp_, old.get()) == 1 &&
                  OSSL_CMP_CTX_set1_pkey(cmp_, current_->pkey()) == 1 &&
                  EVP_PKEY_up_ref(candidate_->pkey()) == 1 &&
                  OSSL_CMP_CTX_set0_newPkey(cmp_, 1, candidate_->pkey()) == 1;
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
        endTransaction();
        if (status >= 0 && (status == OSSL_CMP_PKISTATUS_rejection || failInfo > 0)) {
            ctx.warn("CMP: the server refused: " + errors);
            return cmp::outcomeFor(status, failInfo < 0 ? 0 : failInfo, said);
        }
        // No status from the server: its answer did not pass our checks (protection,
        // trust, nonces) or it was not a CMP answer at all.
        ctx.warn("CMP exchange failed: " + errors);
        if (errors.find("validating protection") != std::string::npos ||
            errors.find("sender cert") != std::string::npos ||
            errors.find("certificate verify") != std::string::npos ||
            errors.find("trust") != std::string::npos)
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

    OSSL_CMP_MSG* exchange(OSSL_CMP_CTX* cmp, const OSSL_CMP_MSG* req) {
        BackendContext& ctx = *bctx_;
        Bytes body = derOf(req);
        const int type = OSSL_CMP_MSG_get_bodytype(req);
        const bool initial = type == kBodyKur || type == kBodyIr;
        if (initial) {
            auto stored = ctx.value(kRequestKey).value_or("");
            if (!stored.empty()) {
                // A resumed renewal: the journalled request again, its transaction and nonce.
                body = fromHex(stored);
                auto msg = msgOf(body);
                auto nonce = senderNonceOf(body);
                if (!msg || !nonce)
                    throw Failure(code::kInternal, "the journalled CMP request cannot be read");
                OSSL_CMP_CTX_set1_transactionID(
                    cmp, OSSL_CMP_HDR_get0_transactionID(OSSL_CMP_MSG_get0_header(msg.get())));
                OSSL_CMP_CTX_set1_senderNonce(cmp, nonce.get());
                ctx.progress(_("Sending the journalled request again (the same transaction)"));
            } else {
                ctx.setValue(kRequestKey, toHex(body));  // durable before it leaves
                ctx.record().caReference =
                    hexOf(OSSL_CMP_HDR_get0_transactionID(OSSL_CMP_MSG_get0_header(req)));
                ctx.record().caState = "sent";
                ctx.save();
                ctx.progress(_("Sending the key update request to the certification authority"));
            }
        }
        HttpRequest h;
        h.method = "POST";
        h.url = s_.serverUrl;
        h.contentType = "application/pkixcmp";
        h.body.assign(body.begin(), body.end());
        h.allowPlainHttpToLoopback = isLoopbackUrl(s_.serverUrl);
        auto answer = ctx.http().perform(h);
        if (initial) faultPoint("certificate:after");
        if (answer.status >= 500 && answer.body.empty())
            throw Failure(
                code::kNetwork,
                fmt::format(fmt::runtime(_("the CMP server answered HTTP {0}")), answer.status),
                s_.serverUrl);
        Bytes rsp(answer.body.begin(), answer.body.end());
        auto msg = msgOf(rsp);
        if (!msg)
            throw Failure(code::kProtocol,
                          fmt::format(fmt::runtime(_("the CMP server's answer (HTTP {0}) is not a "
                                                     "CMP message; check [renewal.cmp] server")),
                                      answer.status),
                          s_.serverUrl);
        return msg.release();
    }

    CmpSettings s_;
    OSSL_CMP_CTX* cmp_ = nullptr;
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
