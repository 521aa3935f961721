#pragma once
// The renewal request's state machine, in one table. Names are the portal's own (users see
// "IN ASTEPTARE", "ACCEPTATA - PREAPROBATA"), written as ASCII identifiers.
#include "database.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace certagent::sandbox {

enum class RenewalState {
    Ciorna,                // created: waits for the identity document
    ActIncarcat,           // identity document uploaded: declaration available, waits signature
    DeclaratieSemnata,     // signed declaration accepted: waits "Trimite cerere de reînnoire"
    PlataInAsteptare,      // submitted: waits for payment
    InAsteptare,           // paid: waits for an operator
    AcceptataPreaprobata,  // approved: waits for the CSR
    Emisa,                 // certificate issued (final)
    Respinsa,              // rejected by the operator, with a reason (final)
    Anulata,               // cancelled by the holder before payment (final)
};

const char* stateName(RenewalState s);
std::optional<RenewalState> parseState(const std::string& name);
nlohmann::json stateLabel(RenewalState s);  // {"ro": "...", "en": "..."}
bool isFinal(RenewalState s);
// What the holder may do next, in protocol words (e.g. "upload_identity_document").
std::vector<std::string> nextActions(RenewalState s);

enum class RenewalEvent {
    UploadIdentity,
    UploadSignedDeclaration,
    Submit,
    PaymentCompleted,
    Approve,
    Reject,
    IssueCertificate,
    Cancel,
};
const char* eventName(RenewalEvent e);

// The target state, or nullopt when the event is not allowed in `from`.
std::optional<RenewalState> transition(RenewalState from, RenewalEvent e);

// Applies a transition inside the caller's transaction: checks the current state in the row
// (compare-and-set, so a concurrent operator command cannot be overwritten), updates it and
// appends to renewal_events. Throws ApiError 409 INVALID_STATE when not allowed.
RenewalState applyTransition(Database& db, const std::string& renewal_id, RenewalEvent e,
                             const std::string& actor, const std::string& note = {});

long long nowEpoch();

}  // namespace certagent::sandbox
