#pragma once
// Login = TLS client authentication. The handshake accepts any client certificate (the TLS layer
// still proves possession of its key); this check then decides, so that a certificate from
// another CA, an expired or a revoked one gets a clear JSON 401/403 instead of a bare handshake
// failure the user cannot read.
#include "ca_layout.hpp"
#include "database.hpp"
#include "registry.hpp"

#include <httplib.h>

namespace certagent::sandbox {

struct Login {
    X509Ptr cert;
    CertRecord record;  // the certificate's row in the register
};

// Throws ApiError: 401 CLIENT_CERT_REQUIRED, CLIENT_CERT_UNTRUSTED, CLIENT_CERT_EXPIRED,
// CLIENT_CERT_NOT_YET_VALID, CLIENT_CERT_UNKNOWN; 403 CLIENT_CERT_REVOKED.
Login authenticate(const httplib::Request& req, const CaMaterial& ca, Database& db);

}  // namespace certagent::sandbox
