#pragma once
// The backend for the CA portal protocol (docs/portal-api.md): account, identity document,
// product, declaration, submit, payment, operator validation, CSR, certificate. Idempotency
// keys come from the journal (stored before each state-changing call); after a crash it reads
// the CA's request and continues from its state instead of repeating a call.
#include <memory>
#include <string>

#include "backend.hpp"

namespace certagent::renewal {

struct PortalSettings {
    std::string baseUrl;  // "https://127.0.0.1:8443/"
};

std::unique_ptr<Backend> makePortalBackend(PortalSettings settings);

}  // namespace certagent::renewal
