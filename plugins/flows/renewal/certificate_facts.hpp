#pragma once
// A certificate as the agent describes it (certagent.x509/1 describe, the same parser as
// `certagent-cli certs`): the plugin reads no certificate extension itself.
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "encoding.hpp"

namespace certagent::renewal {

struct CertificateFacts {
    std::string subject, commonName;
    std::string serialHex;  // upper case, the CA's spelling
    int64_t notBeforeMs = 0, notAfterMs = 0;
    std::string notAfter;      // ISO 8601 UTC
    std::string keyAlgorithm;  // "RSA" | "EC"
    int keyBits = 0;
    bool qualified = false, qcCompliance = false, qcSscd = false;

    // From the describe answer; Failure(invalid_input) when a field is missing.
    static CertificateFacts fromJson(const nlohmann::json& j);
    // The key type name the token extension uses for a new key of the same kind.
    std::string sameKeyType() const;
};

using DescribeCertificate = std::function<CertificateFacts(const Bytes& der)>;

}  // namespace certagent::renewal
