#include "renewal_state.hpp"

#include "api_error.hpp"

#include <ctime>

namespace certagent::sandbox {

namespace {
struct StateInfo {
    RenewalState state;
    const char* name;
    const char* ro;
    const char* en;
};
const StateInfo kStates[] = {
    {RenewalState::Ciorna, "CIORNA", "Ciornă", "Draft"},
    {RenewalState::ActIncarcat, "ACT_INCARCAT", "Act de identitate încărcat",
     "Identity document uploaded"},
    {RenewalState::DeclaratieSemnata, "DECLARATIE_SEMNATA", "Declarație semnată",
     "Declaration signed"},
    {RenewalState::PlataInAsteptare, "PLATA_IN_ASTEPTARE", "Plată în așteptare",
     "Waiting for payment"},
    {RenewalState::InAsteptare, "IN_ASTEPTARE", "În așteptare", "Waiting for validation"},
    {RenewalState::AcceptataPreaprobata, "ACCEPTATA_PREAPROBATA", "Acceptată - preaprobată",
     "Accepted - pre-approved"},
    {RenewalState::Emisa, "EMISA", "Certificat emis", "Certificate issued"},
    {RenewalState::Respinsa, "RESPINSA", "Respinsă", "Rejected"},
    {RenewalState::Anulata, "ANULATA", "Anulată", "Cancelled"},
};

struct Edge {
    RenewalState from;
    RenewalEvent event;
    RenewalState to;
};
using S = RenewalState;
using E = RenewalEvent;
const Edge kEdges[] = {
    {S::Ciorna, E::UploadIdentity, S::ActIncarcat},
    {S::ActIncarcat, E::UploadSignedDeclaration, S::DeclaratieSemnata},
    {S::DeclaratieSemnata, E::Submit, S::PlataInAsteptare},
    {S::PlataInAsteptare, E::PaymentCompleted, S::InAsteptare},
    {S::InAsteptare, E::Approve, S::AcceptataPreaprobata},
    {S::InAsteptare, E::Reject, S::Respinsa},
    {S::AcceptataPreaprobata, E::IssueCertificate, S::Emisa},
    {S::Ciorna, E::Cancel, S::Anulata},
    {S::ActIncarcat, E::Cancel, S::Anulata},
    {S::DeclaratieSemnata, E::Cancel, S::Anulata},
    {S::PlataInAsteptare, E::Cancel, S::Anulata},
};
}  // namespace

const char* stateName(RenewalState s) {
    for (const auto& i : kStates)
        if (i.state == s) return i.name;
    return "?";
}

std::optional<RenewalState> parseState(const std::string& name) {
    for (const auto& i : kStates)
        if (name == i.name) return i.state;
    return std::nullopt;
}

nlohmann::json stateLabel(RenewalState s) {
    for (const auto& i : kStates)
        if (i.state == s) return {{"ro", i.ro}, {"en", i.en}};
    return nullptr;
}

bool isFinal(RenewalState s) { return s == S::Emisa || s == S::Respinsa || s == S::Anulata; }

std::vector<std::string> nextActions(RenewalState s) {
    switch (s) {
        case S::Ciorna:
            return {"upload_identity_document", "cancel"};
        case S::ActIncarcat:
            return {"download_declaration", "upload_signed_declaration", "cancel"};
        case S::DeclaratieSemnata:
            return {"submit", "cancel"};
        case S::PlataInAsteptare:
            return {"pay", "poll_payment", "cancel"};
        case S::InAsteptare:
            return {"wait_for_operator"};
        case S::AcceptataPreaprobata:
            return {"upload_csr"};
        case S::Emisa:
            return {"download_certificate"};
        default:
            return {};
    }
}

const char* eventName(RenewalEvent e) {
    switch (e) {
        case E::UploadIdentity:
            return "upload_identity_document";
        case E::UploadSignedDeclaration:
            return "upload_signed_declaration";
        case E::Submit:
            return "submit";
        case E::PaymentCompleted:
            return "payment_completed";
        case E::Approve:
            return "approve";
        case E::Reject:
            return "reject";
        case E::IssueCertificate:
            return "issue_certificate";
        case E::Cancel:
            return "cancel";
    }
    return "?";
}

std::optional<RenewalState> transition(RenewalState from, RenewalEvent e) {
    for (const auto& edge : kEdges)
        if (edge.from == from && edge.event == e) return edge.to;
    return std::nullopt;
}

long long nowEpoch() { return static_cast<long long>(std::time(nullptr)); }

RenewalState applyTransition(Database& db, const std::string& renewal_id, RenewalEvent e,
                             const std::string& actor, const std::string& note) {
    auto q = db.prepare("SELECT state FROM renewals WHERE id = ?");
    q.bindAll(renewal_id);
    if (!q.step()) throw ApiError(404, "RENEWAL_NOT_FOUND", "no renewal request " + renewal_id);
    auto from_name = q.text(0);
    auto from = parseState(from_name).value();
    auto to = transition(from, e);
    if (!to)
        throw ApiError(
            409, "INVALID_STATE",
            std::string("'") + eventName(e) + "' is not allowed while the request is " + from_name,
            {{"state", from_name}, {"allowed", nextActions(from)}});
    long long now = nowEpoch();
    auto upd =
        db.prepare("UPDATE renewals SET state = ?, updated_at = ? WHERE id = ? AND state = ?");
    upd.bindAll(std::string(stateName(*to)), now, renewal_id, from_name);
    upd.run();
    if (db.changes() != 1)
        throw ApiError(409, "CONCURRENT_UPDATE", "the request changed meanwhile; read it again");
    db.prepare(
          "INSERT INTO renewal_events(renewal_id, at, from_state, to_state, actor, note) "
          "VALUES(?,?,?,?,?,?)")
        .bindAll(renewal_id, now, from_name, std::string(stateName(*to)), actor, note)
        .run();
    return *to;
}

}  // namespace certagent::sandbox
