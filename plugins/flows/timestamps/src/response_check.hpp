#pragma once
// The checks an RFC 3161 answer must pass, in order, each failing with its own TsaFailure:
// HTTP-level problems aside, (1) it parses as a TimeStampResp, (2) the PKIStatus grants it,
// (3) nonce and (4) message imprint are the request's, (5) the policy is the requested one,
// (6) the signer certificate is present and (7) carries exactly the critical extended key usage
// timeStamping, (8) it chains to the anchors with purpose timestamp signing, (9) the token's
// signature (and its ESS signing-certificate binding) verifies, (10) genTime lies within the
// allowed skew of the local clock. verify.hpp reuses (1)-(9) for a stored .tsr.
#include <chrono>
#include <cstdint>
#include <ctime>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <openssl/types.h>

namespace certagent::timestamps {

struct TokenInfo {
    std::string genTime;  // ISO 8601 UTC
    std::time_t genTimeEpoch = 0;
    std::string serialHex;   // the TSA's serial number of the token (upper-case hex)
    std::string tsaSubject;  // signer certificate subject (RFC 2253)
    std::string policyOid;
    std::string hashAlgorithm;  // "sha256"
    std::vector<uint8_t> imprint;
};

struct Expectation {
    int mdNid = 0;
    std::vector<uint8_t> imprint;
    std::optional<std::vector<uint8_t>> nonce;  // big-endian bytes; nullopt: not checked
    std::string policyOid;                      // empty: any
    std::optional<std::time_t> now;             // set: check genTime against it
    std::chrono::seconds maxClockSkew{600};
};

// Parses and checks a DER TimeStampResp; returns what it attests. Throws TsaError.
// `anchors` is only read.
TokenInfo checkResponse(std::span<const uint8_t> der_response, const Expectation& expected,
                        X509_STORE* anchors, const std::string& where = {});

// The DER TimeStampToken (ContentInfo) inside a DER TimeStampResp (throws TsaError Garbage).
std::vector<uint8_t> tokenFromResponse(std::span<const uint8_t> der_response);

// Reads the imprint's hash algorithm without checking anything (for verify: hash the file
// with what the token used). Throws TsaError Garbage.
int imprintAlgorithm(std::span<const uint8_t> der_response);

}  // namespace certagent::timestamps
