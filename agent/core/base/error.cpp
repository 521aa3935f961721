#include "certagent/core/error.hpp"

namespace certagent {

const char* errorKindName(ErrorKind kind) noexcept {
    switch (kind) {
        case ErrorKind::Usage: return "usage";
        case ErrorKind::Config: return "config";
        case ErrorKind::InvalidInput: return "invalid_input";
        case ErrorKind::Io: return "io";
        case ErrorKind::State: return "state";
        case ErrorKind::Plugin: return "plugin";
        case ErrorKind::Token: return "token";
        case ErrorKind::TokenRemoved: return "token_removed";
        case ErrorKind::PinIncorrect: return "pin_incorrect";
        case ErrorKind::PinLocked: return "pin_locked";
        case ErrorKind::Network: return "network";
        case ErrorKind::Tls: return "tls";
        case ErrorKind::Protocol: return "protocol";
        case ErrorKind::Rejected: return "rejected";
        case ErrorKind::Cancelled: return "cancelled";
        case ErrorKind::Internal: return "internal";
    }
    return "internal";
}

std::string describe(const Error& e) {
    if (e.where().empty()) return e.what();
    return e.where() + ": " + e.what();
}

}  // namespace certagent
