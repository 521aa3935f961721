#pragma once
// One place that decides "the token was pulled out" for an operation on it. A token that
// vanishes mid-operation answers CKR_DEVICE_REMOVED on well-behaved modules (already a
// retryable Error(TokenRemoved)), but others answer a general error, or quietly return an
// empty result (SoftHSM2 once its token folder is gone). So after the operation, successful
// or not, ask the module whether the token is still there; if it is not, the operation fails
// with the retryable Error(TokenRemoved) whatever it returned.
//
//   auto certs = device::withRemovalCheck(service, serial, [&] { return s->certificates(); });
#include <string>
#include <utility>

#include "certagent/core/error.hpp"
#include "certagent/core/token/token_service.hpp"

namespace certagent::device {

// The token with this serial is in a slot of one of the service's modules now. Given the
// TokenInfo it was listed with, only its own module is asked (another module may be slow).
bool isConnected(token::TokenService& service, const std::string& serial);
bool isConnected(token::TokenService& service, const token::TokenInfo& token);

// After a failed operation: is the token still there once a pull-out has had time to finish?
// A removal is not instant (the operation can fail while the device still enumerates), so a
// token still listed is asked again after 100 ms and 250 ms. Only error paths pay this.
template <typename Token>  // serial (std::string) or token::TokenInfo
bool stillConnectedAfterFailure(token::TokenService& service, const Token& token);

// Throws the retryable Error(TokenRemoved) for this serial.
[[noreturn]] void throwTokenRemoved(const std::string& serial, const std::string& detail = {});

namespace detail {
inline const std::string& serialOf(const std::string& serial) { return serial; }
inline const std::string& serialOf(const token::TokenInfo& token) { return token.serial; }
}  // namespace detail

template <typename Token, typename Operation>  // Token: serial (std::string) or token::TokenInfo
auto withRemovalCheck(token::TokenService& service, const Token& token, Operation&& op)
    -> decltype(op()) {
    const std::string& serial = detail::serialOf(token);
    try {
        if constexpr (std::is_void_v<decltype(op())>) {
            op();
            if (!isConnected(service, token)) throwTokenRemoved(serial);
        } else {
            auto result = op();
            if (!isConnected(service, token)) throwTokenRemoved(serial);
            return result;
        }
    } catch (const Error& e) {
        if (e.kind() == ErrorKind::TokenRemoved || e.kind() == ErrorKind::Cancelled ||
            e.kind() == ErrorKind::PinIncorrect || e.kind() == ErrorKind::PinLocked)
            throw;
        if (!stillConnectedAfterFailure(service, token)) throwTokenRemoved(serial, e.what());
        throw;
    }
}

}  // namespace certagent::device
