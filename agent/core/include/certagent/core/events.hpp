#pragma once
// Event types on the bus and their fields (JSON). Plugins see the same events through the SDK
// (docs/plugin-sdk.md "Events"). Field names are snake_case; times are ISO 8601 UTC.
namespace certagent::events {

// Raw device events from a platform source (udev, PC/SC, Windows/macOS notifications, poll).
//   {type, source: "udev"|"pcsc"|"windows"|"macos"|"poll", action: "usb_added"|"usb_removed"|
//    "reader_added"|"reader_removed"|"card_inserted"|"card_removed", device?, vid?, pid?,
//    reader?, atr?, time}
inline constexpr const char* kDevice = "Device";

// Derived from a rescan of PKCS#11 slots (device::TokenTracker; docs/devices.md). A token is
// identified by its module and serial. Per rescan: removals, then insertions, then certificate
// changes.
//   {type, serial, label, plugin, module, slot, time, initial?: true}
//   initial: the token was already there when monitoring started.
inline constexpr const char* kTokenInserted = "TokenInserted";
//   {type, serial, label, plugin, module, time}
inline constexpr const char* kTokenRemoved = "TokenRemoved";
//   {type, serial, plugin, module, added: [cert ids hex], removed: [cert ids hex], time}
//   A newly inserted token's certificates come as added; a certificate replaced under the same
//   CKA_ID is in both lists. A removed token gets TokenRemoved only.
inline constexpr const char* kCertificatesChanged = "CertificatesChanged";

// The token plugins' USB devices that are plugged in with no PKCS#11 token behind them (the
// driver is missing or shows no token), as a whole list, published whenever it changes
// (device::DriverWatch; docs/devices.md "Driver missing"):
//   {type, devices: [{plugin, vendor, product, usb_name, vid, pid, device,
//    reason: "module_missing"|"no_token", drivers: [{url, note}]}], time}
inline constexpr const char* kDriversMissing = "DriversMissing";

// A reminder that fired: {type, token, token_label, cert, fingerprint, subject, issuer, serial,
//   not_after, not_after_local, days_left, threshold, trigger, qualified, has_private_key,
//   severity: "info"|"warning"|"critical", title, body, actions: [{id, label, action, args}]}
inline constexpr const char* kReminderDue = "ReminderDue";

// Renewal progress (the renewal plugin, docs/renewal.md): {type, renewal_id, token, cert,
//   step (the engine's: preflight, login, request, keygen, csr, certificate, verify, install,
//   done), phase (the backend's while step is request: account, product, ... ; else ""),
//   stage (the tray wizard's group: identity, product, declaration, submit, payment,
//   validation, install), state: "running"|"waiting"|"needs_user"|"done"|"failed"|
//   "cancelled", prompt ("", "sign_declaration", "open_payment_page"), message, code, final,
//   declaration, payment_url, ca_reference, next_attempt, interrupted?, next?}
inline constexpr const char* kRenewalProgress = "RenewalProgress";

// The user asked for something from a notification or the tray: {type, action: "renew"|
//   "snooze"|"dismiss"|..., token, cert, args?}
inline constexpr const char* kUserAction = "UserAction";

// The local signing server started, stopped or failed to start (app::ServerControl):
//   {type, running, port, consent: "ask"|"refuse"|"test"|"", error?}
inline constexpr const char* kLocalServerState = "LocalServerState";

// A document was signed and saved (signing::signDocument: the CLI's sign, the tray, the local
// server, certagent.documents/1): {type, file (absolute), profile: "PAdES-B-T"|..., timestamps:
// [base64 DER TimeStampToken, ...]}. The timestamps are the tokens the timestamp provider
// answered for this signature, so it can record them (the timestamps flow's history).
inline constexpr const char* kDocumentSigned = "DocumentSigned";

// The long-running agent (the tray app or the daemon) has started every area: flow plugins begin
// their background work (checks, timers, resuming journals) on this, not in their constructor,
// so a one-shot CLI command that loads them starts nothing. {type, program: "tray"|"daemon"}
inline constexpr const char* kAgentStarted = "AgentStarted";

}  // namespace certagent::events
