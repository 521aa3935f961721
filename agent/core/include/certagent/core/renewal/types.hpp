#pragma once
// What a renewal is, as the journal keeps it and as the CLI, the tray wizard and plugins see
// it. Plain data: copy it to any thread.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace certagent::renewal {

// The steps, in order. Each is journalled (SQLite, one transaction) when it starts and when it
// ends, before anything relies on its effect. Portal-specific steps (account ... validation)
// are run by the backend through BackendContext::enterStep; other backends may skip them.
enum class Step {
    Preflight,      // token present, module loads, certificate renewable, CA reachable, trust
    Login,          // one PIN entry, one C_Login
    Account,        // the CA account (create; wait for the e-mail confirmation)
    Product,        // years and certificate type (the CA request is created here, first)
    Identity,       // identity document checked locally, then uploaded
    Declaration,    // fetched, shown, signed on the token, uploaded
    Submit,         // "Trimite cerere de reînnoire"
    Payment,        // payment page in the browser; status polled
    Validation,     // operator validation, polled with backoff
    KeyGeneration,  // the candidate key pair on the token, under its own CKA_ID
    Csr,            // PKCS#10 signed by the candidate key
    Certificate,    // the CA issues; certificate and chain fetched
    Verify,         // chain to trust anchors, key match, subject, validity, qualified kept
    Install,        // written to the token under the candidate's CKA_ID, read back, checked
    Done,
};
inline constexpr Step kAllSteps[] = {
    Step::Preflight, Step::Login,      Step::Account,       Step::Product, Step::Identity,
    Step::Declaration, Step::Submit,   Step::Payment,       Step::Validation,
    Step::KeyGeneration, Step::Csr,    Step::Certificate,   Step::Verify,   Step::Install,
    Step::Done};

const char* stepName(Step step) noexcept;  // "preflight", "login", ..., "keygen", ..., "done"
std::optional<Step> parseStep(std::string_view name) noexcept;
// The tray wizard's coarser step ids (core/ui/renewal_view.hpp): identity, product,
// declaration, submit, payment, validation, install. The API creates the request (product)
// before the upload, so both map to "identity"; the wizard marks "product" done when the
// declaration step comes.
const char* wizardStepOf(Step step) noexcept;
std::string stepTitle(Step step);  // translated

enum class State {
    Running,    // work to do now
    Waiting,    // for the CA (payment, operator, e-mail confirmation): next try at nextAttempt
    NeedsUser,  // a question to answer (prompt) or something to fix (token, PIN, network)
    Done,       // new certificate installed and verified
    Failed,     // final: rejected, expired login certificate, ... (see message)
    Cancelled,  // abandoned by the user; the candidate key, if any, was removed
};
const char* stateName(State state) noexcept;  // "running", "waiting", "needs_user", ...
std::optional<State> parseState(std::string_view name) noexcept;
inline bool isFinal(State s) { return s == State::Done || s == State::Failed || s == State::Cancelled; }

// Questions the engine asks the user; an answer is journalled, so it is asked once.
enum class Prompt {
    None,
    SignDeclaration,  // the declaration was shown (declarationPath); sign it with the PIN?
    OpenPaymentPage,  // open paymentUrl in the browser
};
const char* promptName(Prompt p) noexcept;  // "", "sign_declaration", "open_payment_page"
std::optional<Prompt> parsePrompt(std::string_view name) noexcept;

struct StepRecord {
    Step step = Step::Preflight;
    std::string status;  // "started" | "done" | "waiting" | "failed"
    std::string at;      // ISO 8601 UTC
    std::string detail;
};

struct RenewalRecord {
    std::string id;           // ours (a UUID); the CA's id is caReference
    std::string token;        // token serial
    std::string certId;       // CKA_ID (hex) of the certificate being renewed
    std::string certSerial;   // its serial (upper-case hex, the CA's spelling)
    std::string subject;
    std::string commonName;
    std::string notAfter;     // of the certificate being renewed
    int years = 1;
    std::string idDocument;   // path of the identity document (PDF)
    std::string backend;      // "portal"
    Step step = Step::Preflight;
    State state = State::Running;
    Prompt prompt = Prompt::None;
    std::string message;      // user text for the current state (translated when written)
    std::string errorCode;    // ErrorKind name or the CA's code, for the UI's advice
    std::string caReference;  // the CA's request id, stored before submit/pay
    std::string caState;      // the CA's state word (IN_ASTEPTARE, ACCEPTATA_PREAPROBATA, ...)
    std::string declarationPath;
    std::string paymentUrl;
    std::string candidateKeyId;  // CKA_ID (hex) of the new key pair, once generated
    std::string keyType;         // "ec-p256", "rsa2048", ...
    std::string newCertSerial;
    std::string nextAttempt;     // ISO 8601 UTC, when Waiting
    int attempts = 0;            // consecutive waits/failures of the current step (backoff)
    std::string createdAt, updatedAt;
    std::vector<StepRecord> history;  // oldest first (filled by Journal::load)

    nlohmann::json toJson() const;
};

// What happens when an interrupted renewal continues, in one or two sentences (translated):
// what it waits for, and whether the token PIN will be asked.
std::string nextStepText(const RenewalRecord& r);

// The notification that shows a renewal found unfinished at start-up, before anything runs.
struct Notice {
    std::string title, body;
};
Notice interruptedNotice(const RenewalRecord& r);

}  // namespace certagent::renewal
