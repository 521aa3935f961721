#pragma once
// The CA side of a renewal: what a CA integrator writes. The engine (engine.hpp) owns the
// steps every renewal takes — preflight, login, request, keygen, csr, certificate, verify,
// install — and the journal, the token, the backoff and the person; a backend only speaks its
// CA's protocol. The portal backend (portal_backend.hpp, docs/portal-api.md) is one; a CMP key
// update (RFC 4210/9483) is another.
//
// The contract:
//   check()               preflight, before any PIN: the CA answers over verified TLS and
//                         knows the certificate. NeedsNewKey = fine; anything else stops.
//   prepare()             the engine's `request` step: moves the CA's request as far as it goes
//                         before a key is needed, entering the backend's own phases
//                         (ctx.enterPhase). NeedsNewKey when a certificate request is wanted
//                         (a backend with nothing to do before answers it at once); Issued when
//                         a certificate was already issued (a resumed renewal).
//   requestCertificate()  the `certificate` step: sends the request made with the candidate key
//                         (PKCS#10 in `csrDer`; the candidate's id and public key for protocols
//                         that build their own, signing through ctx.signDigest). Issued, Wait
//                         (poll again later: the engine calls it again with the same request),
//                         or NeedsNewKey (the CA refused that key: a fresh one is made).
//   cancel()              abandons the CA's request where the protocol allows it.
//
// Every call answers one Outcome; a backend throws only for the engine's own failures (the
// token, the journal). Crash safety is shared: state-changing calls carry ctx.idempotencyKey(),
// journalled before the call; values the next calls need go through ctx.setValue() first. A
// backend must expect any call to be repeated after a kill -9 and do no step twice (read the
// CA's state first, or replay with the same key and body).
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "encoding.hpp"
#include "record.hpp"

namespace certagent::renewal {

// ---- HTTP, through the agent's client (TLS always verified) ---------------------------------
struct HttpRequest {
    std::string method = "GET";
    std::string url;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string contentType;
    std::string body;
    // Plain http:// to this computer (127.x, ::1, localhost) for protocols whose messages are
    // signed end to end (CMP); never to another host. Otherwise https:// only.
    bool allowPlainHttpToLoopback = false;
};
struct HttpResponse {
    long status = 0;
    std::map<std::string, std::string> headers;  // names in lower case
    std::string body;
    std::string header(const std::string& lowerName) const {
        auto it = headers.find(lowerName);
        return it == headers.end() ? std::string() : it->second;
    }
};
class Http {
  public:
    virtual ~Http() = default;
    // Throws Failure("network") when the CA cannot be reached, Failure("tls") when its
    // certificate is not trusted. Any HTTP status is an answer.
    virtual HttpResponse perform(const HttpRequest& request) = 0;
};

// ---- What a call answers ---------------------------------------------------------------------
struct Outcome {
    enum class Kind {
        Issued,         // certificatePem (+ chainPem) ready
        Wait,           // come back after `delay`; `reference` is the CA's request id
        Rejected,       // final: `reason` from the CA (operator rejection, expired login, ...)
        Unreachable,    // network or CA down: retried with backoff
        Misconfigured,  // our side must change (URL, trust bundle, unknown product): `reason`
        NeedsNewKey,    // the CA is ready for a request from a new key pair (allowedKeyTypes)
    };
    Kind kind = Kind::Wait;
    std::string reference;
    std::chrono::seconds delay{0};
    std::string reason;      // user text (translated)
    std::string code;        // the CA's code, e.g. CLIENT_CERT_EXPIRED, RESPINSA
    bool needsUser = false;  // Wait: for the person (prompt, e-mail link), not for the CA
    std::string certificatePem, chainPem;
    std::vector<std::string>
        allowedKeyTypes;  // NeedsNewKey: "ec-p256", "rsa2048", ... (empty: any)

    static Outcome issued(std::string cert, std::string chain);
    static Outcome wait(std::string reference, std::chrono::seconds delay, std::string reason,
                        bool needsUser = false);
    static Outcome rejected(std::string reason, std::string code);
    static Outcome unreachable(std::string reason);
    static Outcome misconfigured(std::string reason, std::string code = {});
    static Outcome needsNewKey(std::vector<std::string> allowed = {});
};
const char* outcomeName(Outcome::Kind kind) noexcept;

enum class Answer { Yes, No, Later };

// A backend's own position inside the `request` step, shown to the person and journalled.
struct Phase {
    std::string id;     // "payment": also its fault-injection point and the CLI's [payment]
    std::string title;  // translated: "Payment"
    std::string stage;  // the tray wizard's group: identity, product, declaration, submit,
                        // payment, validation or install (record.hpp)
};

// What the candidate key produced, for requestCertificate().
struct CertificateRequest {
    Bytes csrDer;  // PKCS#10 with the renewed certificate's subject
    std::string csrPem;
    std::string candidateKeyId;  // CKA_ID (hex) of the new key pair on the token
    Bytes candidatePublicKey;    // its SubjectPublicKeyInfo (DER)
    Bytes renewedCertificate;    // the certificate being renewed (DER)
};

// Facts about a PDF the person gave (certagent.documents/1 inspect).
struct PdfFacts {
    uint64_t fileSize = 0;
    int pages = 0;
    double minImageDpi = 0;    // 0: no image
    bool resolutionOk = true;  // at least the asked dpi (with the agent's scanner tolerance)
};

// What the engine lends a backend for one call.
class BackendContext {
  public:
    virtual ~BackendContext() = default;
    virtual RenewalRecord& record() = 0;
    // Persists the record's fields now (one transaction); call before relying on them.
    virtual void save() = 0;
    // Per-renewal journal values (answers worth keeping: ids, products, flags).
    virtual std::optional<std::string> value(const std::string& key) = 0;
    virtual void setValue(const std::string& key, const std::string& value) = 0;
    // The Idempotency-Key for `call`, created and journalled on first use, reused forever.
    virtual std::string idempotencyKey(const std::string& call) = 0;
    // Journals entering one of phases() (in the request step; never backwards), publishes
    // progress and runs the fault-injection point named after it.
    virtual void enterPhase(const std::string& phase) = 0;
    virtual void progress(const std::string& message) = 0;
    // A desktop notification about this renewal (urgency "normal" or "critical"): the CA's
    // decisions the person waits for (accepted, rejected).
    virtual void notify(const std::string& title, const std::string& body,
                        const std::string& urgency) = 0;
    // Asks the person (journalled: an answer is never asked again). Later: come back when
    // answered (the tray's wizard answers through an event).
    virtual Answer ask(Prompt prompt) = 0;
    // The agent's HTTPS client; once the token is logged in it presents the certificate being
    // renewed (its key on the token) for TLS client authentication.
    virtual Http& http() = 0;
    // Signs `digest` with the token key `keyId` (the renewed certificate's or the candidate's)
    // in the renewal's logged-in session: RSA PKCS#1 v1.5 or ECDSA (DER).
    virtual Bytes signDigest(const std::string& keyId, const std::string& hash,
                             std::span<const uint8_t> digest) = 0;
    // Signs a PDF (PAdES) with the certificate being renewed, in the same session (no PIN).
    virtual void signPdf(const std::filesystem::path& in, const std::filesystem::path& out,
                         const std::string& reason) = 0;
    // Reads a PDF the person gave; throws Failure(invalid_input) when it is not one.
    virtual PdfFacts inspectPdf(const std::filesystem::path& pdf, double minDpi) = 0;
    virtual int64_t nowMs() = 0;
    virtual const std::filesystem::path& workDir() = 0;  // this renewal's files (0700)
    // The agent's log (never a PIN, never a secret of the CA's).
    virtual void warn(const std::string& message) = 0;
    // The shared secret given for this run (certagent-cli enrol --secret-env, or typed at the
    // terminal) for protocols that protect their messages with one (CMP's password-based MAC);
    // nullptr when none was given. Never journalled, never logged; gone when the run ends.
    virtual const std::string* sharedSecret() { return nullptr; }
};

class Backend {
  public:
    virtual ~Backend() = default;
    virtual std::string name() const = 0;
    // The backend's phases, in order (empty: none).
    virtual std::vector<Phase> phases() const = 0;
    virtual Outcome check(BackendContext& ctx) = 0;
    virtual Outcome prepare(BackendContext& ctx) = 0;
    virtual Outcome requestCertificate(BackendContext& ctx, const CertificateRequest& request) = 0;
    virtual Outcome cancel(BackendContext& ctx) = 0;
};

}  // namespace certagent::renewal
