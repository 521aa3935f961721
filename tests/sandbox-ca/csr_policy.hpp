#pragma once
// What the CA accepts in a renewal CSR: a valid self-signature (proof of possession), an allowed
// key (RSA >= 2048 bits, EC P-256 or P-384), a new key, and the renewed certificate's subject.
#include "ossl.hpp"

#include <string>

namespace certagent::sandbox {

// Parses and checks; throws ApiError 422 CSR_INVALID, CSR_SIGNATURE_INVALID, CSR_KEY_REJECTED,
// CSR_KEY_REUSED, CSR_SUBJECT_MISMATCH. Returns the parsed request.
X509ReqPtr checkRenewalCsr(const std::string& pem, X509* renewed);

// "rsa2048", "ec-P-256", ... for messages and details.
std::string describeKey(EVP_PKEY* key);

}  // namespace certagent::sandbox
