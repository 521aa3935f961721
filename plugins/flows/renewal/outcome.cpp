#include "backend.hpp"

namespace certagent::renewal {

const char* outcomeName(Outcome::Kind kind) noexcept {
    switch (kind) {
        case Outcome::Kind::Issued:
            return "issued";
        case Outcome::Kind::Wait:
            return "wait";
        case Outcome::Kind::Rejected:
            return "rejected";
        case Outcome::Kind::Unreachable:
            return "unreachable";
        case Outcome::Kind::Misconfigured:
            return "misconfigured";
        case Outcome::Kind::NeedsNewKey:
            return "needs_new_key";
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
