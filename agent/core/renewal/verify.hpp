#pragma once
// Checks a certificate the CA issued before it goes onto the token.
#include <chrono>
#include <filesystem>
#include <string>

#include <openssl/types.h>

#include "certagent/core/token/types.hpp"

namespace certagent::renewal {

struct IssuedCertificate {
    token::Bytes der;
    token::CertificateInfo info;
};

// Parses `certPem`, then checks: chain to the trust anchors (`caBundle` plus the system store)
// through `chainPem`, at `now`; its key is `candidateKey`; subject equal to `renewed`'s;
// valid now; qualified statements kept when the renewed one had them. Throws
// Error(InvalidInput) saying which check failed.
IssuedCertificate verifyIssued(const std::string& certPem, const std::string& chainPem,
                               const std::filesystem::path& caBundle, const token::Bytes& renewedDer,
                               EVP_PKEY* candidateKey, std::chrono::system_clock::time_point now);

std::string derToPem(const token::Bytes& der, const char* label);
token::Bytes pemToDer(const std::string& pem);  // the first certificate or request in `pem`

}  // namespace certagent::renewal
