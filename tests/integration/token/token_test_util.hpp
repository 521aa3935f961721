#pragma once
// Shared set-up for the token service tests: a SoftHSM2 fixture activated in this process and
// a service over its module.
#include "certagent/core/error.hpp"
#include "certagent/core/token/token_service.hpp"
#include "softhsm.hpp"

#include <gtest/gtest.h>

namespace certagent::token::testing {

inline std::vector<ModuleSpec> softHsmModules() {
    return {ModuleSpec{certagent::testing::SoftHsm::modulePath(), {}, ModuleSource::Config}};
}

inline PinCallback fixedPin(const std::string& pin, int* calls = nullptr) {
    return [pin, calls](const PinRequest&) -> std::optional<SecretString> {
        if (calls) ++*calls;
        return SecretString(pin);
    };
}

inline const TokenCertificate* findById(const std::vector<TokenCertificate>& certs,
                                        const std::string& idHex) {
    for (const auto& c : certs)
        if (toHex(c.id) == idHex) return &c;
    return nullptr;
}

template <typename F>
Error expectError(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e;
    }
    ADD_FAILURE() << "no certagent::Error thrown";
    return Error(ErrorKind::Internal, "none");
}

}  // namespace certagent::token::testing
