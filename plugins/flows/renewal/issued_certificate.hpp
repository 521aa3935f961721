#pragma once
// Checks a certificate the CA issued before it goes onto the token.
#include <cstdint>
#include <filesystem>
#include <string>

#include "certificate_facts.hpp"
#include "encoding.hpp"

namespace certagent::renewal {

struct IssuedCertificate {
    Bytes der;
    CertificateFacts facts;
};

// Parses `certPem`, then checks: chain to the trust anchors (`caBundle` plus the system store,
// never the CA's answer) through `chainPem`, at `nowMs`; its key is the candidate's
// (`candidatePublicKey`, SubjectPublicKeyInfo DER); subject equal to `renewed`'s; valid now;
// qualified statements kept when the renewed one had them. A first enrolment renews nothing
// (`renewedDer` empty): its subject must be `enrolSubject` (X509_NAME DER). Throws
// Failure(invalid_input) saying which check failed (Failure(config) for an unreadable bundle).
IssuedCertificate verifyIssued(const std::string& certPem, const std::string& chainPem,
                               const std::filesystem::path& caBundle, const Bytes& renewedDer,
                               const Bytes& candidatePublicKey, int64_t nowMs,
                               const DescribeCertificate& describe, const Bytes& enrolSubject = {});

}  // namespace certagent::renewal
