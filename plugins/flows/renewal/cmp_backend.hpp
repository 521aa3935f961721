#pragma once
// The CMP backend (RFC 4210, profiled by RFC 9483 "Lightweight CMP"): a key update request
// (kur) for the certificate being renewed, signed with its key on the token (or MAC-protected
// with a shared secret), for the new key pair the engine made on the token (proof of
// possession signed with that key) — or, for a first enrolment, an initialization request (ir)
// protected with the shared secret (password-based MAC); then certConf
// and pkiConf, or implicit confirmation when the server grants it; pollReq/pollRep while the
// server answers "waiting". OpenSSL's CMP client does the protocol; the messages travel through
// the agent's HTTP client (BackendContext::http). docs/cmp.md.
#include <memory>
#include <string>

#include "backend.hpp"

namespace certagent::renewal {

struct CmpSettings {
    std::string serverUrl;  // [renewal.cmp] server: "https://ca.example/.well-known/cmp"
    std::string trusted;    // [renewal.cmp] trusted: PEM, anchors for the server's protection
    std::string recipient;  // [renewal.cmp] recipient: "/CN=CA/O=Example"; default: the issuer
    bool implicitConfirm = false;  // [renewal.cmp] implicit_confirm: ask for it
    // [renewal.cmp] secret_file: the shared secret for password-based MAC protection (0600);
    // a secret given for the run (BackendContext::sharedSecret) comes first.
    std::string secretFile;
    std::string reference;  // [renewal.cmp] reference: senderKID with the shared secret
};

// The journal value with the reference given for one enrolment (certagent-cli enrol
// --reference); it comes before [renewal.cmp] reference.
inline constexpr const char* kCmpReferenceKey = "cmp.reference";

std::unique_ptr<Backend> makeCmpBackend(CmpSettings settings);

// Parses "/CN=Name/O=Org" (OpenSSL's -recipient form) or "CN=Name, O=Org"; empty when the text
// is not a name. The X509_NAME is returned as its DER.
Bytes parseDistinguishedName(const std::string& text);

}  // namespace certagent::renewal
