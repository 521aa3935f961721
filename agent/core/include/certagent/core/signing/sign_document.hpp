#pragma once
// Signing a document with a certificate on a token, as every front end does it: the CLI's
// `sign`, the tray's "Sign a PDF…" (and later the flows through the documents extension). One
// path, so every signature carries the same thing: a TokenSigner (one login through the PIN
// callback), the issuer chain (chainCertificatesPem), and with `timestamp` a signature
// timestamp (B-T) from the timestamp provider a plugin registered (HostServices::timestamper(),
// the timestamps flow). Once the file is saved, a DocumentSigned event carries the timestamp
// tokens obtained, so their provider can record them (the timestamps' history).
#include <filesystem>
#include <optional>
#include <string>

#include "certagent/core/fwd.hpp"
#include "certagent/core/pdf/sign.hpp"
#include "certagent/core/signing/long_term.hpp"
#include "certagent/core/token/token_service.hpp"

namespace certagent::signing {

struct SignDocumentRequest {
    std::filesystem::path in;
    std::filesystem::path out;  // empty: beside `in` (FILE.signed.pdf, or FILE.p7s for CAdES)
    std::string token;          // serial
    token::Bytes certId;        // CKA_ID
    bool cades = false;         // a detached CAdES .p7s of any file instead of PAdES
    bool timestamp = false;     // B-T
    // PAdES level: B-T and up imply `timestamp`; B-LT and B-LTA add validation data (and a
    // document timestamp) after signing (long_term.hpp). CAdES: B-B or B-T only.
    std::optional<PadesLevel> level;
    bool overwrite = false;     // replace an existing `out`
    pdf::SignOptions pdf;       // reason, location, visible box (PAdES only)
    // An open session on that token to sign with (a flow's, already logged in: no PIN is
    // asked again); null: a session of its own, one PIN entry.
    token::TokenSession* session = nullptr;
};

struct SignDocumentResult {
    std::filesystem::path out;
    std::string profile;  // "PAdES-B-B" .. "PAdES-B-LTA", "CAdES-B-B", "CAdES-B-T"
};

// The CA certificates a signer's chain is built from, besides the token's own certificates:
// [renewal] ca_bundle (the CA's portal trust, often only its root) and [verify] ca_bundle (the
// signature anchors: a CA's root and intermediates), as one PEM text. The chain is carried for
// verifiers only; nothing is trusted because it is embedded.
std::string chainCertificatesPem(const config::Config& config);

// Where an unsigned `in` goes by default.
std::filesystem::path defaultSignedPath(const std::filesystem::path& in, bool cades);

// Checks the request (input exists, output not an existing file unless overwrite, a CAdES
// signature never replaces its file) before anything else, then looks for the timestamp
// provider (none loaded fails before the PIN is asked), then signs. Throws certagent::Error
// (Usage, InvalidInput, Io, TokenRemoved, PinIncorrect, Cancelled, ...); on any failure `out`
// is not created or changed.
SignDocumentResult signDocument(Agent& agent, const SignDocumentRequest& request,
                                const token::PinCallback& pin);

}  // namespace certagent::signing
