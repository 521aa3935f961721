#include "certagent/core/host_boundary.hpp"

#include "certagent/core/i18n.hpp"

namespace certagent::boundary {

void emit(ca_sink_fn sink, void* user, const nlohmann::json& j) {
    if (!sink) return;
    auto s = j.dump();
    sink(user, s.data(), s.size());
}

ca_status fail(ca_sink_fn sink, void* user, ca_status status, const std::string& code,
               const std::string& message) noexcept {
    try {
        emit(sink, user, {{"error", {{"code", code}, {"message", message}}}});
    } catch (...) {
    }
    return status;
}

ca_status statusFor(const Error& e) noexcept {
    switch (e.kind()) {
        case ErrorKind::Usage:
        case ErrorKind::InvalidInput: return CA_ERR_INVALID_ARGUMENT;
        case ErrorKind::Cancelled: return CA_ERR_DENIED;
        default: return e.retryable() ? CA_ERR_RETRY : CA_ERR_FAILED;
    }
}

nlohmann::json parseArgs(const char* text) {
    if (!text || !*text) return nlohmann::json::object();
    auto j = nlohmann::json::parse(text);
    if (!j.is_object())
        throw Error(ErrorKind::InvalidInput, _("the arguments are not a JSON object"));
    return j;
}

}  // namespace certagent::boundary
