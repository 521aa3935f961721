#include "certagent/core/device/removal.hpp"

#include <chrono>
#include <fmt/format.h>
#include <thread>

#include "certagent/core/i18n.hpp"

namespace certagent::device {

bool isConnected(token::TokenService& service, const std::string& serial) {
    for (const auto& t : service.tokens())
        if (t.serial == serial) return true;
    return false;
}

bool isConnected(token::TokenService& service, const token::TokenInfo& token) {
    return service.connected(token);
}

template <typename Token>
bool stillConnectedAfterFailure(token::TokenService& service, const Token& token) {
    using namespace std::chrono_literals;
    for (auto wait : {0ms, 100ms, 150ms}) {
        std::this_thread::sleep_for(wait);
        if (!isConnected(service, token)) return false;
    }
    return true;
}
template bool stillConnectedAfterFailure(token::TokenService&, const std::string&);
template bool stillConnectedAfterFailure(token::TokenService&, const token::TokenInfo&);

void throwTokenRemoved(const std::string& serial, const std::string& detail) {
    std::string message = fmt::format(
        fmt::runtime(_("The token {0} was removed during the operation; insert it and try "
                       "again")),
        serial);
    if (!detail.empty()) message += " (" + detail + ")";
    throw retryableError(ErrorKind::TokenRemoved, std::move(message), serial);
}

}  // namespace certagent::device
