#include "backend.hpp"
#include "name_table.hpp"

namespace certagent::renewal {

namespace {

constexpr std::pair<Outcome::Kind, const char*> kOutcomes[] = {
    {Outcome::Kind::Issued, "issued"},
    {Outcome::Kind::Wait, "wait"},
    {Outcome::Kind::Rejected, "rejected"},
    {Outcome::Kind::Unreachable, "unreachable"},
    {Outcome::Kind::Misconfigured, "misconfigured"},
    {Outcome::Kind::NeedsNewKey, "needs_new_key"},
};

}  // namespace

const char* outcomeName(Outcome::Kind kind) noexcept { return nameIn(kOutcomes, kind, "?"); }

Outcome Outcome::issued(std::string cert, std::string chain) {
    return {.kind = Kind::Issued, .certificatePem = std::move(cert), .chainPem = std::move(chain)};
}
Outcome Outcome::wait(std::string reference, std::chrono::seconds delay, std::string reason,
                      bool needsUser) {
    return {.kind = Kind::Wait,
            .reference = std::move(reference),
            .delay = delay,
            .reason = std::move(reason),
            .needsUser = needsUser};
}
Outcome Outcome::rejected(std::string reason, std::string code) {
    return {.kind = Kind::Rejected, .reason = std::move(reason), .code = std::move(code)};
}
Outcome Outcome::unreachable(std::string reason) {
    return {.kind = Kind::Unreachable, .reason = std::move(reason), .code = "network"};
}
Outcome Outcome::misconfigured(std::string reason, std::string code) {
    return {.kind = Kind::Misconfigured, .reason = std::move(reason), .code = std::move(code)};
}
Outcome Outcome::needsNewKey(std::vector<std::string> allowed) {
    return {.kind = Kind::NeedsNewKey, .allowedKeyTypes = std::move(allowed)};
}

}  // namespace certagent::renewal
