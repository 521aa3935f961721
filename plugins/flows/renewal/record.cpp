#include "record.hpp"

#include "name_table.hpp"

namespace certagent::renewal {
namespace {

constexpr std::pair<Step, const char*> kSteps[] = {
    {Step::Preflight, "preflight"},  {Step::Login, "login"},     {Step::Request, "request"},
    {Step::KeyGeneration, "keygen"}, {Step::Csr, "csr"},         {Step::Certificate, "certificate"},
    {Step::Verify, "verify"},        {Step::Install, "install"}, {Step::Done, "done"},
};

constexpr std::pair<State, const char*> kStates[] = {
    {State::Running, "running"}, {State::Waiting, "waiting"}, {State::NeedsUser, "needs_user"},
    {State::Done, "done"},       {State::Failed, "failed"},   {State::Cancelled, "cancelled"},
};

constexpr std::pair<Prompt, const char*> kPrompts[] = {
    {Prompt::None, ""},
    {Prompt::SignDeclaration, "sign_declaration"},
    {Prompt::OpenPaymentPage, "open_payment_page"},
};

constexpr std::pair<OldCertificate, const char*> kOldCertificate[] = {
    {OldCertificate::NotOffered, ""},     {OldCertificate::Offered, "offered"},
    {OldCertificate::Kept, "kept"},       {OldCertificate::Removing, "removing"},
    {OldCertificate::Removed, "removed"},
};

}  // namespace

const char* stepName(Step step) noexcept { return nameIn(kSteps, step, "?"); }
std::optional<Step> parseStep(std::string_view name) noexcept { return parseIn(kSteps, name); }
const char* stateName(State state) noexcept { return nameIn(kStates, state, "?"); }
std::optional<State> parseState(std::string_view name) noexcept { return parseIn(kStates, name); }
const char* promptName(Prompt p) noexcept { return nameIn(kPrompts, p, ""); }
std::optional<Prompt> parsePrompt(std::string_view name) noexcept {
    return parseIn(kPrompts, name);
}

const char* oldCertificateName(OldCertificate o) noexcept { return nameIn(kOldCertificate, o, ""); }
std::optional<OldCertificate> parseOldCertificate(std::string_view name) noexcept {
    return parseIn(kOldCertificate, name);
}

// The record's text fields and their journal keys, one list for both directions.
constexpr std::pair<const char*, std::string RenewalRecord::*> kTextFields[] = {
    {"id", &RenewalRecord::id},
    {"token", &RenewalRecord::token},
    {"cert", &RenewalRecord::certId},
    {"cert_serial", &RenewalRecord::certSerial},
    {"subject", &RenewalRecord::subject},
    {"common_name", &RenewalRecord::commonName},
    {"not_after", &RenewalRecord::notAfter},
    {"id_document", &RenewalRecord::idDocument},
    {"backend", &RenewalRecord::backend},
    {"phase", &RenewalRecord::phase},
    {"message", &RenewalRecord::message},
    {"code", &RenewalRecord::errorCode},
    {"ca_reference", &RenewalRecord::caReference},
    {"ca_state", &RenewalRecord::caState},
    {"declaration", &RenewalRecord::declarationPath},
    {"payment_url", &RenewalRecord::paymentUrl},
    {"candidate_key_id", &RenewalRecord::candidateKeyId},
    {"key_type", &RenewalRecord::keyType},
    {"new_cert_serial", &RenewalRecord::newCertSerial},
    {"next_attempt", &RenewalRecord::nextAttempt},
    {"created_at", &RenewalRecord::createdAt},
    {"updated_at", &RenewalRecord::updatedAt},
};

nlohmann::json RenewalRecord::toJson() const {
    nlohmann::json h = nlohmann::json::array();
    for (const auto& e : history)
        h.push_back({{"step", stepName(e.step)},
                     {"phase", e.phase},
                     {"status", e.status},
                     {"at", e.at},
                     {"detail", e.detail}});
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [key, field] : kTextFields) j[key] = this->*field;
    j["years"] = years;
    j["step"] = stepName(step);
    j["state"] = stateName(state);
    j["prompt"] = promptName(prompt);
    j["old_certificate"] = oldCertificateName(oldCertificate);
    j["attempts"] = attempts;
    j["history"] = std::move(h);
    return j;
}

RenewalRecord RenewalRecord::fromJson(const nlohmann::json& j) {
    RenewalRecord r;
    auto s = [&](const char* k) {
        auto it = j.find(k);
        return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    for (const auto& [key, field] : kTextFields) r.*field = s(key);
    r.years = j.value("years", 1);
    r.step = parseStep(s("step")).value_or(Step::Preflight);
    r.state = parseState(s("state")).value_or(State::Running);
    r.prompt = parsePrompt(s("prompt")).value_or(Prompt::None);
    r.oldCertificate =
        parseOldCertificate(s("old_certificate")).value_or(OldCertificate::NotOffered);
    r.attempts = j.value("attempts", 0);
    return r;
}

}  // namespace certagent::renewal
