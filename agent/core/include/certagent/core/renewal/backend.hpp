#pragma once
// The CA side of a renewal. Every call answers one Outcome from a small set, so other
// protocols (CMP key update, EST re-enroll) fit without changing the engine. The portal
// backend (docs/portal-api.md) is the first.
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "certagent/core/renewal/types.hpp"

namespace certagent {
class Clock;
namespace http {
class HttpClient;
}
namespace pdf {
class Signer;
}
}  // namespace certagent

namespace certagent::renewal {

struct Outcome {
    enum class Kind {
        Issued,         // certificatePem (+ chainPem) ready
        Wait,           // come back after `delay`; `reference` is the CA's request id
        Rejected,       // final: `reason` from the CA (operator rejection, expired login, ...)
        Unreachable,    // network or CA down: retry with backoff
        Misconfigured,  // our side must change (URL, trust bundle, unknown product): `reason`
        NeedsNewKey,    // the CA is ready for a CSR from a new key pair (allowedKeyTypes)
    };
    Kind kind = Kind::Wait;
    std::string reference;
    std::chrono::seconds delay{0};
    std::string reason;     // user text
    std::string code;       // the CA's code, e.g. CLIENT_CERT_EXPIRED, RESPINSA
    bool needsUser = false;  // Wait: for the user (prompt, e-mail link), not for the CA
    std::string certificatePem, chainPem;
    std::vector<std::string> allowedKeyTypes;  // NeedsNewKey: "ec-p256", "rsa2048", ...

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

// What the engine lends a backend for one call.
class BackendContext {
public:
    virtual ~BackendContext() = default;
    virtual RenewalRecord& record() = 0;
    // Persists the record's fields now (one transaction); call before relying on them.
    virtual void save() = 0;
    // Per-renewal journal values (idempotency keys, CA answers worth keeping).
    virtual std::optional<std::string> value(const std::string& key) = 0;
    virtual void setValue(const std::string& key, const std::string& value) = 0;
    // The Idempotency-Key for `step`, created and journalled on first use, reused forever.
    virtual std::string idempotencyKey(const std::string& step) = 0;
    // Journals the start of a step (and fires the fault-injection hook before it).
    virtual void enterStep(Step step) = 0;
    virtual void progress(const std::string& message) = 0;
    // Asks the user (journalled: a Yes is never asked again). Later: come back when answered.
    virtual Answer ask(Prompt prompt) = 0;
    // The HTTPS client, logged in with the certificate being renewed (its key on the token).
    virtual http::HttpClient& http() = 0;
    // Signs with the certificate being renewed (the declaration).
    virtual pdf::Signer& signer() = 0;
    virtual Clock& clock() = 0;
    virtual const std::filesystem::path& workDir() = 0;  // this renewal's files
};

class Backend {
public:
    virtual ~Backend() = default;
    virtual std::string name() const = 0;
    // Preflight: the CA answers and knows the login certificate. Issued never comes back.
    virtual Outcome check(BackendContext& ctx) = 0;
    // Moves the CA's request as far as it goes before a key is needed (account, document,
    // product, declaration, submit, payment, validation). NeedsNewKey when a CSR is wanted;
    // Issued when a certificate was already issued (a resumed renewal).
    virtual Outcome prepare(BackendContext& ctx) = 0;
    // Sends the CSR (PEM) made with the candidate key; Issued, or Wait to fetch later.
    virtual Outcome requestCertificate(BackendContext& ctx, const std::string& csrPem) = 0;
    // Abandons the CA's request where the protocol allows it (before payment).
    virtual Outcome cancel(BackendContext& ctx) = 0;
};

}  // namespace certagent::renewal
