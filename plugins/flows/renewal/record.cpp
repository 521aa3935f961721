#include "record.hpp"

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

template <typename E, std::size_t N>
const char* nameIn(const std::pair<E, const char*> (&table)[N], E value, const char* other) {
    for (const auto& [v, n] : table)
        if (v == value) return n;
    return other;
}
template <typename E, std::size_t N>
std::optional<E> parseIn(const std::pair<E, const char*> (&table)[N], std::string_view name) {
    for (const auto& [v, n] : table)
        if (name == n) return v;
    return std::nullopt;
}

}  // namespace

const char* stepName(Step step) noexcept { return nameIn(kSteps, step, "?"); }
std::optional<Step> parseStep(std::string_view name) noexcept { return parseIn(kSteps, name); }
const char* stateName(State state) noexcept { return nameIn(kStates, state, "?"); }
std::optional<State> parseState(std::string_view name) noexcept { return parseIn(kStates, name); }
const char* promptName(Prompt p) noexcept { return nameIn(kPrompts, p, ""); }
std::optional<Prompt> parsePrompt(std::string_view name) noexcept {
    return parseIn(kPrompts, name);
}

nlohmann::json RenewalRecord::toJson() const {
    nlohmann::json h = nlohmann::json::array();
    for (const auto& e : history)
        h.push_back({{"step", stepName(e.step)},
                     {"phase", e.phase},
                     {"status", e.status},
                     {"at", e.at},
                     {"detail", e.detail}});
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
            {"phase", phase},
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
            {"history", h}};
}

RenewalRecord RenewalRecord::fromJson(const nlohmann::json& j) {
    RenewalRecord r;
    auto s = [&](const char* k) {
        auto it = j.find(k);
        return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    r.id = s("id");
    r.token = s("token");
    r.certId = s("cert");
    r.certSerial = s("cert_serial");
    r.subject = s("subject");
    r.commonName = s("common_name");
    r.notAfter = s("not_after");
    r.years = j.value("years", 1);
    r.idDocument = s("id_document");
    r.backend = s("backend");
    r.step = parseStep(s("step")).value_or(Step::Preflight);
    r.phase = s("phase");
    r.state = parseState(s("state")).value_or(State::Running);
    r.prompt = parsePrompt(s("prompt")).value_or(Prompt::None);
    r.message = s("message");
    r.errorCode = s("code");
    r.caReference = s("ca_reference");
    r.caState = s("ca_state");
    r.declarationPath = s("declaration");
    r.paymentUrl = s("payment_url");
    r.candidateKeyId = s("candidate_key_id");
    r.keyType = s("key_type");
    r.newCertSerial = s("new_cert_serial");
    r.nextAttempt = s("next_attempt");
    r.attempts = j.value("attempts", 0);
    r.createdAt = s("created_at");
    r.updatedAt = s("updated_at");
    return r;
}

}  // namespace certagent::renewal
