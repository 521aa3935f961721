#pragma once
// Who decides whether the local signing server may sign: every signature request goes through
// a Consent, which shows the user the requesting web origin and what is to be signed, and asks
// for the token PIN itself. The web page never sends or sees a PIN.
//
// Implementations:
//   - ask (the default): the tray app's dialog (agent/gui/consent_dialog), handed to the
//     composition root (certagent/core/app/app.hpp) as its consent adapter; a program without
//     one (the headless daemon) refuses instead;
//   - refuse (makeRefuseConsent);
//   - test (makeTestConsent): for automated tests only, see consent_sources.cpp.
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "certagent/core/secret.hpp"
#include "certagent/core/token/types.hpp"

namespace certagent::config {
class Config;
}

namespace certagent::server {

enum class SignKind {
    Pdf,   // a whole PDF, signed as PAdES: the dialog can show the document
    Hash,  // a digest the page computed: the dialog can only show the page's description
};
const char* signKindName(SignKind kind) noexcept;  // "pdf" | "hash"

// Everything the dialog shows. All strings are UTF-8; fields the page supplied are marked
// "claimed": they are what the page says, not something the agent checked.
struct ConsentRequest {
    std::string origin;  // checked against [server] allowed_origins, e.g. "https://ca.x.ro"
    SignKind kind = SignKind::Pdf;
    std::string claimed_document_name;  // page-supplied file name (control chars removed)
    std::string claimed_description;    // page-supplied text, e.g. "Declarație reînnoire"
    std::size_t document_size = 0;      // bytes of the PDF; 0 for a hash
    std::string digest_algorithm;       // "sha256" | "sha384" | "sha512"
    std::string digest_hex;             // digest of the PDF, or the digest to be signed
    // For PDFs: a private temporary copy of the document the dialog may open for preview; it
    // exists only while ask() runs.
    std::filesystem::path document_file;
    // True once the page's connection has closed: a dialog should close itself and answer
    // not granted. The server checks it again after the answer, so nothing is signed for a
    // page that has gone whatever the dialog answers. May be empty (never cancelled).
    std::function<bool()> cancelled;

    token::TokenInfo token;              // the token holding the key (PIN state inside)
    std::string certificate_id_hex;      // CKA_ID
    token::CertificateInfo certificate;  // the signing certificate
};

struct ConsentAnswer {
    bool granted = false;
    // The user PIN typed in the dialog. Leave empty for a PIN-pad token (the token asks) or when
    // the dialog shows no PIN field; the server then logs in without a PIN or fails clearly.
    SecretString pin;
};

class Consent {
public:
    virtual ~Consent() = default;
    // Blocks until the user answers. Called on a server worker thread (never the UI thread),
    // at most one request at a time. Must not throw for a refusal: return granted = false.
    virtual ConsentAnswer ask(const ConsentRequest& request) = 0;
    // "refuse", "test", "ask": shown by GET /api/v1/status.
    virtual std::string name() const = 0;
};

// Refuses everything (the default).
std::shared_ptr<Consent> makeRefuseConsent();

// Test-only consent: grants every request and answers with the PIN held by the environment
// variable that CERTAGENT_TEST_CONSENT_PIN_ENV names (the PIN itself is never in a config file
// or on a command line). Optional CERTAGENT_TEST_CONSENT_DELAY_MS delays each answer (tests of
// concurrent requests). Throws certagent::Error(Config) when the variable is unset or empty.
std::shared_ptr<Consent> makeTestConsent();

// The program's dialog, if it has one (the tray app's consent adapter).
using ConsentFactory = std::function<std::shared_ptr<Consent>()>;

// The consent [server] consent asks for: "refuse" -> refuse; "test" -> makeTestConsent();
// "ask" -> `ask`'s, else refuse (the headless daemon has no dialog: a warning is logged).
std::shared_ptr<Consent> consentFromConfig(const config::Config& config,
                                           const ConsentFactory& ask);

}  // namespace certagent::server
