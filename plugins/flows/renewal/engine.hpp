#pragma once
// The renewal engine: from the certificate on the token to a new one installed next to it,
// one journalled step at a time, resumable after anything (crash, kill -9, token pulled,
// network down). It works through the agent's extensions only (a token session opened with
// one PIN entry, the agent's HTTPS client, document signing, notifications) and keeps its
// journal in the plugin's own SQLite database.
//
//   Engine engine({.host = &host, .journal = &journal, .settings = settingsFrom(host)});
//   auto r = engine.start({.token = serial, .certId = "01", .years = 2, .idDocument = pdf});
//   r = engine.run(r.id, {.prompter = asking});  // blocks until final (the CLI)
//   r = engine.advance(r.id);    // runs until it must wait (the tray, the daemon)
//   engine.answer(r.id, Prompt::SignDeclaration, Answer::Yes);  then advance again
//   engine.cancel(r.id);         // abandons; removes only its own candidate key
//   engine.removeOld(r.id);      // once done, and only when the person says so
//
// Progress goes out as RenewalProgress events (recordJson plus "type" and "renewal_id").
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backend.hpp"
#include "journal.hpp"
#include "record.hpp"

namespace certagent::sdk {
class Host;
}

namespace certagent::renewal {

// How the engine asks the person. The CLI asks at once (certagent.ui/1 confirm, open); the
// tray and the daemon defer (Later) and the wizard answers with an event.
class Prompter {
  public:
    virtual ~Prompter() = default;
    // The declaration (a PDF at `pdf`) must have been shown before Yes.
    virtual Answer signDeclaration(const RenewalRecord& r, const std::filesystem::path& pdf) = 0;
    virtual Answer openPaymentPage(const RenewalRecord& r, const std::string& url) = 0;
    // The new certificate is installed and verified: remove the old one and its key pair?
    // Later leaves the offer open (Engine::removeOld / keepOld answer it afterwards).
    virtual Answer removeOldCertificate(const RenewalRecord&) { return Answer::Later; }
};

class DeferringPrompter final : public Prompter {
  public:
    Answer signDeclaration(const RenewalRecord&, const std::filesystem::path&) override {
        return Answer::Later;
    }
    Answer openPaymentPage(const RenewalRecord&, const std::string&) override {
        return Answer::Later;
    }
};

struct Settings {
    std::string backend = "portal";  // [renewal] backend
    std::filesystem::path caBundle;  // [renewal] ca_bundle
    // [renewal.cmp] issuers: certificates from these issuers renew through the "cmp" backend
    // whatever `backend` says (one token, a portal CA and a CMP CA).
    std::vector<std::string> cmpIssuers;
    std::filesystem::path workDir;          // <plugin folder>/renewals
    int defaultYears = 1;                   // [renewal] years
    std::chrono::seconds maxWait{15 * 60};  // longest pause between polls of the CA
    std::chrono::seconds networkMaxWait{60};
    std::chrono::milliseconds httpTimeout{30'000};
};
// [renewal] from the agent's configuration; workDir in the plugin's state folder.
Settings settingsFrom(sdk::Host& host);

struct EngineDeps {
    sdk::Host* host = nullptr;
    Journal* journal = nullptr;
    Settings settings;
    // Makes a backend by name; default: backends.cpp's table over the agent's configuration.
    std::function<std::unique_ptr<Backend>(const std::string& name)> backendFactory;
    // Event-driven callers (the tray, the daemon) keep the token session of an open renewal
    // between advance() calls, so the person types the PIN once, not at every poll of the CA.
    // It goes when the renewal ends, another renewal advances, the token fails, or when no
    // advance() came for sessionIdle.
    bool keepSession = false;
    std::chrono::minutes sessionIdle{30};
};

struct StartRequest {
    std::string token;   // serial
    std::string certId;  // CKA_ID hex
    int years = 1;
    std::string idDocument;  // PDF path (kept as given; checked by the backend)
};

// A first enrolment: a new key pair on a token that has no certificate for it yet, and an
// initialization request (ir) to the CMP server for it ([renewal.cmp]; docs/cmp.md). Its record
// has no certId; `subject` is the record's subject.
struct EnrolRequest {
    std::string token;    // serial
    std::string subject;  // "/CN=Ion Popescu/O=Example" or "CN=Ion Popescu, O=Example"
    std::string keyType = "ec-p256";
    std::string reference;  // senderKID with the shared secret (empty: [renewal.cmp] reference)
};

// What run() does with the old certificate once the new one is installed and verified.
enum class OldCertificateChoice {
    Offer,   // nothing: the offer stays open in the journal
    Ask,     // the prompter's removeOldCertificate()
    Remove,  // the person asked for it beforehand (certagent-cli renew --remove-old)
    Keep,    // likewise (--keep-old)
};

struct RunOptions {
    // Questions while running (default: deferred).
    std::shared_ptr<Prompter> prompter;
    // Stop waiting when this returns true; the renewal stays resumable.
    std::function<bool()> cancelled;
    // Give up waiting after this long (0: until final). The renewal stays resumable.
    std::chrono::seconds maxTotalWait{0};
    OldCertificateChoice oldCertificate = OldCertificateChoice::Offer;
    // A shared secret for the backend (BackendContext::sharedSecret) while this run lasts; the
    // caller wipes its own copy.
    std::string sharedSecret;
};

class Engine {
  public:
    explicit Engine(EngineDeps deps);
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    // Starts a renewal of (token, certId), or returns the open one for it (resume; a different
    // `years`/`idDocument` given then updates them only before the CA request exists).
    // Throws Failure(usage) for a bad period, Failure(state) for a certificate renewed already.
    RenewalRecord start(const StartRequest& request);
    // Runs until the renewal must wait (Waiting / NeedsUser) or is final. Everything that goes
    // wrong ends in the record's state, message and errorCode.
    RenewalRecord advance(const std::string& id);
    // advance() and sleep until final, cancelled or out of time.
    RenewalRecord run(const std::string& id, const RunOptions& options = {});
    // Starts a first enrolment on `request.token`, or returns the token's open one (resume).
    // Throws Failure(usage) for a subject that is not a name or an unknown key type.
    RenewalRecord enrol(const EnrolRequest& request);
    // Journals the person's answer to a prompt; the next advance() acts on it.
    void answer(const std::string& id, Prompt prompt, Answer answer);
    // Abandons: cancels at the CA when still possible, removes the candidate key pair (never
    // anything else), state Cancelled. Failure(state) once the CA issued.
    RenewalRecord cancel(const std::string& id);
    // The person's answer to the offer made when the renewal was done (old_certificate.cpp).
    // removeOld deletes the renewed certificate and its key pair from the token, and nothing
    // else: only after the new certificate is found on the token as it was verified (same DER,
    // its key there), and only the certificate whose DER the journal kept under its CKA_ID.
    // Journalled intent first (Removing), keys, then the certificate, then Removed: a kill -9
    // anywhere leaves a record that the next removeOld finishes. Failure(state) otherwise,
    // with nothing deleted.
    RenewalRecord removeOld(const std::string& id);
    // Journals "kept"; Failure(state) once a removal has started (it can only be finished).
    RenewalRecord keepOld(const std::string& id);

    std::vector<RenewalRecord> list(bool openOnly = false);
    std::optional<RenewalRecord> find(const std::string& id);
    std::optional<RenewalRecord> findOpen(const std::string& token, const std::string& certId);

    // The record as the CLI and the events spell it (record.hpp), with its "stage".
    nlohmann::json recordJson(const RenewalRecord& r);
    // The RenewalProgress event that describes `r` as it stands.
    nlohmann::json progressEvent(const RenewalRecord& r);
    // Where it stands, for the person (the backend's phase title or the step's).
    std::string whereTitle(const RenewalRecord& r);

    const Settings& settings() const;

    struct Impl;  // engine.cpp

  private:
    // run()'s end: the old certificate as `choice` says (the session is still open).
    RenewalRecord settleOldCertificate(const RenewalRecord& r, OldCertificateChoice choice);

    std::unique_ptr<Impl> impl_;
};

}  // namespace certagent::renewal
