#include "certagent/core/renewal/types.hpp"

#include <fmt/format.h>

#include "certagent/core/i18n.hpp"
#include "certagent/core/renewal/backend.hpp"

namespace certagent::renewal {
namespace {

struct StepNames {
    Step step;
    const char* name;
    const char* wizard;
};
constexpr StepNames kSteps[] = {
    {Step::Preflight, "preflight", "identity"},   {Step::Login, "login", "identity"},
    {Step::Account, "account", "identity"},       {Step::Identity, "identity", "identity"},
    {Step::Product, "product", "identity"},        {Step::Declaration, "declaration", "declaration"},
    {Step::Submit, "submit", "submit"},           {Step::Payment, "payment", "payment"},
    {Step::Validation, "validation", "validation"}, {Step::KeyGeneration, "keygen", "install"},
    {Step::Csr, "csr", "install"},                {Step::Certificate, "certificate", "install"},
    {Step::Verify, "verify", "install"},          {Step::Install, "install", "install"},
    {Step::Done, "done", "install"},
};

constexpr std::pair<State, const char*> kStates[] = {
    {State::Running, "running"}, {State::Waiting, "waiting"},   {State::NeedsUser, "needs_user"},
    {State::Done, "done"},       {State::Failed, "failed"},     {State::Cancelled, "cancelled"},
};

}  // namespace

const char* stepName(Step step) noexcept {
    for (const auto& s : kSteps)
        if (s.step == step) return s.name;
    return "?";
}

std::optional<Step> parseStep(std::string_view name) noexcept {
    for (const auto& s : kSteps)
        if (name == s.name) return s.step;
    return std::nullopt;
}

const char* wizardStepOf(Step step) noexcept {
    for (const auto& s : kSteps)
        if (s.step == step) return s.wizard;
    return "install";
}

std::string stepTitle(Step step) {
    switch (step) {
        case Step::Preflight: return _("Checking the token and the renewal service");
        case Step::Login: return _("Logging in to the token");
        case Step::Account: return _("Account at the certification authority");
        case Step::Identity: return _("Uploading the identity card (PDF)");
        case Step::Product: return _("Choosing the period and the certificate type");
        case Step::Declaration: return _("Signing the declaration");
        case Step::Submit: return _("Sending the renewal request");
        case Step::Payment: return _("Payment");
        case Step::Validation: return _("Validation by the certification authority");
        case Step::KeyGeneration: return _("Generating the new key pair on the token");
        case Step::Csr: return _("Making the certificate request");
        case Step::Certificate: return _("Getting the new certificate");
        case Step::Verify: return _("Checking the new certificate");
        case Step::Install: return _("Installing the new certificate on the token");
        case Step::Done: return _("Done");
    }
    return {};
}

std::string nextStepText(const RenewalRecord& r) {
    switch (r.prompt) {
        case Prompt::SignDeclaration:
            return _("The declaration waits for your signature: read it, then sign it with your "
                     "token (the PIN is asked once).");
        case Prompt::OpenPaymentPage:
            return _("The payment page waits: open it and pay; certagent then follows the "
                     "request by itself.");
        case Prompt::None: break;
    }
    const auto title = stepTitle(r.step);
    switch (r.state) {
        case State::Waiting:
            return fmt::format(fmt::runtime(_("certagent will ask the certification authority "
                                              "how “{0}” stands. It logs in with your token, "
                                              "so the PIN is asked once.")),
                               title);
        case State::NeedsUser:
            return fmt::format(fmt::runtime(_("It stopped with: {0} Continue to try “{1}” "
                                              "again.")),
                               r.message, title);
        default:
            return fmt::format(fmt::runtime(_("certagent continues with “{0}” where it stopped; "
                                              "nothing is sent or paid twice. The token PIN is "
                                              "asked once.")),
                               title);
    }
}

Notice interruptedNotice(const RenewalRecord& r) {
    Notice n;
    const auto& who = r.commonName.empty() ? r.subject : r.commonName;
    n.title = fmt::format(fmt::runtime(_("The renewal of {0}'s certificate is not finished")),
                          who);
    n.body = fmt::format(fmt::runtime(_("Stopped at: {0}.\n{1}")), stepTitle(r.step),
                         nextStepText(r));
    return n;
}

const char* stateName(State state) noexcept {
    for (const auto& [s, n] : kStates)
        if (s == state) return n;
    return "?";
}

std::optional<State> parseState(std::string_view name) noexcept {
    for (const auto& [s, n] : kStates)
        if (name == n) return s;
    return std::nullopt;
}

const char* promptName(Prompt p) noexcept {
    switch (p) {
        case Prompt::None: return "";
        case Prompt::SignDeclaration: return "sign_declaration";
        case Prompt::OpenPaymentPage: return "open_payment_page";
    }
    return "";
}

std::optional<Prompt> parsePrompt(std::string_view name) noexcept {
    for (auto p : {Prompt::None, Prompt::SignDeclaration, Prompt::OpenPaymentPage})
        if (name == promptName(p)) return p;
    return std::nullopt;
}

nlohmann::json RenewalRecord::toJson() const {
    nlohmann::json history_json = nlohmann::json::array();
    for (const auto& h : history)
        history_json.push_back(
            {{"step", stepName(h.step)}, {"status", h.status}, {"at", h.at}, {"detail", h.detail}});
    return {{"id", id},
            {"token", token},
            {"cert", certId},
            {"cert_serial", certSerial},
            {"subject", subject},
            {"common_name", commonName},
            {"not_after", notAfter},
            {"years", years},
            {"id_document", idDocument},
            {"backend", backend},
            {"step", stepName(step)},
            {"wizard_step", wizardStepOf(step)},
            {"state", stateName(state)},
            {"prompt", promptName(prompt)},
            {"message", message},
            {"code", errorCode},
            {"ca_reference", caReference},
            {"ca_state", caState},
            {"declaration", declarationPath},
            {"payment_url", paymentUrl},
            {"candidate_key_id", candidateKeyId},
            {"key_type", keyType},
            {"new_cert_serial", newCertSerial},
            {"next_attempt", nextAttempt},
            {"attempts", attempts},
            {"created_at", createdAt},
            {"updated_at", updatedAt},
            {"history", history_json}};
}

const char* outcomeName(Outcome::Kind kind) noexcept {
    switch (kind) {
        case Outcome::Kind::Issued: return "issued";
        case Outcome::Kind::Wait: return "wait";
        case Outcome::Kind::Rejected: return "rejected";
        case Outcome::Kind::Unreachable: return "unreachable";
        case Outcome::Kind::Misconfigured: return "misconfigured";
        case Outcome::Kind::NeedsNewKey: return "needs_new_key";
    }
    return "?";
}

Outcome Outcome::issued(std::string cert, std::string chain) {
    Outcome o;
    o.kind = Kind::Issued;
    o.certificatePem = std::move(cert);
    o.chainPem = std::move(chain);
    return o;
}
Outcome Outcome::wait(std::string reference, std::chrono::seconds delay, std::string reason,
                      bool needsUser) {
    Outcome o;
    o.kind = Kind::Wait;
    o.reference = std::move(reference);
    o.delay = delay;
    o.reason = std::move(reason);
    o.needsUser = needsUser;
    return o;
}
Outcome Outcome::rejected(std::string reason, std::string code) {
    Outcome o;
    o.kind = Kind::Rejected;
    o.reason = std::move(reason);
    o.code = std::move(code);
    return o;
}
Outcome Outcome::unreachable(std::string reason) {
    Outcome o;
    o.kind = Kind::Unreachable;
    o.reason = std::move(reason);
    o.code = "network";
    return o;
}
Outcome Outcome::misconfigured(std::string reason, std::string code) {
    Outcome o;
    o.kind = Kind::Misconfigured;
    o.reason = std::move(reason);
    o.code = std::move(code);
    return o;
}
Outcome Outcome::needsNewKey(std::vector<std::string> allowed) {
    Outcome o;
    o.kind = Kind::NeedsNewKey;
    o.allowedKeyTypes = std::move(allowed);
    return o;
}

}  // namespace certagent::renewal
