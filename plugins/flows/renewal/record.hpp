#pragma once
// What a renewal is, in one vocabulary shared by the journal, the RenewalProgress events, the
// CLI's --json and the tray:
//
//   step   the engine's own step (below): the same for every backend;
//   phase  the backend's position while the engine is at its `request` step (the portal's
//          account, product, identity, declaration, submit, payment, validation); empty
//          otherwise. A backend declares its phases (backend.hpp);
//   stage  the tray wizard's coarse group of the two (identity ... install), for display only;
//   state  running | waiting | needs_user | done | failed | cancelled, everywhere.
//
// Plain data: copy it to any thread.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace certagent::renewal {

// The engine's steps, in order. Each is journalled (one SQLite transaction) when it starts,
// before anything relies on its effect.
enum class Step {
    Preflight,      // token present, certificate renewable, CA reachable over verified TLS
    Login,          // one PIN entry, one C_Login
    Request,        // the backend moves the CA's request until it wants a key (its phases)
    KeyGeneration,  // the candidate key pair on the token, under its own CKA_ID
    Csr,            // PKCS#10 signed by the candidate key
    Certificate,    // the CA issues; certificate and chain fetched
    Verify,         // chain to trust anchors, key match, subject, validity, qualified kept
    Install,        // written to the token under the candidate's CKA_ID, read back
    Done,
};
const char* stepName(Step step) noexcept;  // "preflight", "login", "request", "keygen", ...
std::optional<Step> parseStep(std::string_view name) noexcept;

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
inline bool isFinal(State s) {
    return s == State::Done || s == State::Failed || s == State::Cancelled;
}

// Questions a backend asks the person; an answer is journalled, so it is asked once.
enum class Prompt {
    None,
    SignDeclaration,  // the declaration was shown (declarationPath); sign it with the token?
    OpenPaymentPage,  // open paymentUrl in the browser
};
const char* promptName(Prompt p) noexcept;  // "", "sign_declaration", "open_payment_page"
std::optional<Prompt> parsePrompt(std::string_view name) noexcept;

struct HistoryEntry {
    Step step = Step::Preflight;
    std::string phase;
    std::string status;  // "started" | "done" | "cancelled"
    std::string at;      // ISO 8601 UTC
    std::string detail;
};

struct RenewalRecord {
    std::string id;          // ours (a UUID); the CA's id is caReference
    std::string token;       // token serial
    std::string certId;      // CKA_ID (hex) of the certificate being renewed
    std::string certSerial;  // its serial (upper-case hex, the CA's spelling)
    std::string subject;
    std::string commonName;
    std::string notAfter;  // of the certificate being renewed
    int years = 1;
    std::string idDocument;  // path of the identity document (PDF)
    std::string backend;     // "portal"
    Step step = Step::Preflight;
    std::string phase;  // the backend's phase while step == Request
    State state = State::Running;
    Prompt prompt = Prompt::None;
    std::string message;      // user text for the current state (translated when written)
    std::string errorCode;    // a Failure code or the CA's code, for the UI's advice
    std::string caReference;  // the CA's request id, stored before submit/pay
    std::string caState;      // the CA's state word (IN_ASTEPTARE, ACCEPTATA_PREAPROBATA, ...)
    std::string declarationPath;
    std::string paymentUrl;
    std::string candidateKeyId;  // CKA_ID (hex) of the new key pair, once generated
    std::string keyType;         // "ec-p256", "rsa2048", ...
    std::string newCertSerial;
    std::string nextAttempt;  // ISO 8601 UTC, when Waiting
    int attempts = 0;         // consecutive waits/failures at this step and phase (backoff)
    std::string createdAt, updatedAt;
    std::vector<HistoryEntry> history;  // oldest first (Journal::load)

    // The journal's and the CLI's spelling; `stage` is added by the engine (it knows the
    // backend's phases).
    nlohmann::json toJson() const;
    static RenewalRecord fromJson(const nlohmann::json& j);
};

}  // namespace certagent::renewal
