#pragma once
// The renewal engine: from the certificate on the token to a new one installed next to it,
// one journalled step at a time, resumable after anything (crash, kill -9, token pulled,
// network down). The CLI, the daemon, the flow plugin and the tray wizard all drive it:
//
//   Engine engine(deps);
//   auto r = engine.start({.token = serial, .certId = "01", .years = 2, .idDocument = pdf});
//   r = engine.run(r.id);              // blocks: waits out the CA with backoff, until final
//   // or, event-driven (GUI/daemon):
//   r = engine.advance(r.id);          // runs until it must wait; r.state/r.prompt/nextAttempt
//   engine.answer(r.id, Prompt::SignDeclaration, Answer::Yes);  then advance again
//   engine.cancel(r.id);               // abandons; removes only its own candidate key
//
// Progress goes to the event bus as RenewalProgress (events.hpp) with extra fields: phase
// (the engine's own step name), prompt, declaration, payment_url, code, final.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "certagent/core/renewal/backend.hpp"
#include "certagent/core/renewal/journal.hpp"
#include "certagent/core/renewal/types.hpp"
#include "certagent/core/token/token_service.hpp"

namespace certagent {
class EventBus;
class Notifier;
namespace state {
class StateStore;
}
}  // namespace certagent

namespace certagent::renewal {

// How the engine talks to the person: the CLI prints and reads the terminal, the GUI shows
// dialogs (or answers Later and lets the wizard call Engine::answer).
class Prompter {
public:
    virtual ~Prompter() = default;
    // The declaration (a PDF at `pdf`) must have been shown before Yes.
    virtual Answer signDeclaration(const RenewalRecord& r, const std::filesystem::path& pdf) = 0;
    virtual Answer openPaymentPage(const RenewalRecord& r, const std::string& url) = 0;
};

// Answers Later to everything: questions wait for Engine::answer (tray wizard, plugin).
class DeferringPrompter final : public Prompter {
public:
    Answer signDeclaration(const RenewalRecord&, const std::filesystem::path&) override {
        return Answer::Later;
    }
    Answer openPaymentPage(const RenewalRecord&, const std::string&) override {
        return Answer::Later;
    }
};

struct EngineSettings {
    std::string backend = "portal";
    std::string portalUrl;               // [renewal] portal_url
    std::filesystem::path caBundle;      // [renewal] ca_bundle
    std::filesystem::path workDir;       // <state dir>/renewals
    std::chrono::seconds maxWait{15 * 60};  // longest pause between polls of the CA
    std::chrono::seconds networkMaxWait{60};
    std::chrono::milliseconds httpTimeout{30'000};
};

struct EngineDeps {
    state::StateStore* store = nullptr;
    Clock* clock = nullptr;
    EventBus* bus = nullptr;        // optional
    Notifier* notifier = nullptr;   // optional: accepted / rejected / installed
    token::TokenService* tokens = nullptr;
    token::PinCallback pin;         // one call per login (one C_Login)
    std::shared_ptr<Prompter> prompter = std::make_shared<DeferringPrompter>();
    // Makes the backend named by settings.backend; default: the portal backend.
    std::function<std::unique_ptr<Backend>(const EngineSettings&)> backendFactory;
    EngineSettings settings;
    // Event-driven callers (the tray, the daemon) keep the token session of an open renewal
    // between advance() calls, so the person types the PIN once, not at every poll of the CA.
    // It goes when the renewal ends, another renewal advances, the token fails, or when no
    // advance() came for sessionIdle.
    bool keepSession = false;
    std::chrono::minutes sessionIdle{30};
    // The key types the token can generate (its plugin's profile "key_types"); empty answer or
    // no function: no limit known. The new key is the old key's type when both the CA and the
    // token allow it, else the first type in the CA's list the token supports.
    std::function<std::vector<token::KeyType>(const token::TokenInfo&)> tokenKeyTypes;
};

struct StartRequest {
    std::string token;   // serial
    std::string certId;  // CKA_ID hex
    int years = 1;
    std::string idDocument;  // PDF path (kept as given; checked at the identity step)
};

struct RunOptions {
    // Stop waiting when this returns true (Ctrl-C, window closed); the renewal stays resumable.
    std::function<bool()> cancelled;
    // Give up waiting after this long (0: until final). The renewal stays resumable.
    std::chrono::seconds maxTotalWait{0};
    // Called before each pause with the record (CLI progress line).
    std::function<void(const RenewalRecord&)> onWait;
};

class Engine {
public:
    explicit Engine(EngineDeps deps);
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    // Starts a renewal of (token, certId), or returns the open one for it (resume; a different
    // `years`/`idDocument` given then updates them only before the CA request exists).
    RenewalRecord start(const StartRequest& request);
    // Runs until the renewal must wait (Waiting / NeedsUser) or is final. Throws only for
    // programming errors; everything else ends in the record's state/message/errorCode.
    RenewalRecord advance(const std::string& id);
    // advance() and sleep until final, cancelled or out of time.
    RenewalRecord run(const std::string& id, const RunOptions& options = {});
    // Journals the user's answer to a prompt; the next advance() acts on it.
    void answer(const std::string& id, Prompt prompt, Answer answer);
    // Abandons: cancels at the CA when still possible, removes the candidate key pair (never
    // anything else), state Cancelled. Refused (Error State) once the CA issued.
    RenewalRecord cancel(const std::string& id);

    std::vector<RenewalRecord> list(bool openOnly = false);
    // The RenewalProgress event (events.hpp) that describes `r` as it stands.
    static nlohmann::json progressEvent(const RenewalRecord& r);
    std::optional<RenewalRecord> find(const std::string& id);
    std::optional<RenewalRecord> findOpen(const std::string& token, const std::string& certId);

    Journal& journal();
    const EngineSettings& settings() const;

    struct Impl;  // implementation detail (engine.cpp)

private:
    std::unique_ptr<Impl> impl_;
    int runDepth_ = 0;  // inside run(): advance() keeps the login between calls
};

// Fault injection for tests: when $CERTAGENT_FAULT_AT names `point` (a step name, optionally
// suffixed ":before"/":after"), the process kills itself with SIGKILL right there.
void faultPoint(const std::string& point);

}  // namespace certagent::renewal
