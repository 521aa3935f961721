#pragma once
// What can go wrong with a timestamp, one reason per check, so that callers and tests can tell
// a wrong nonce from an untrusted TSA without parsing text.
#include <stdexcept>
#include <string>

namespace certagent::timestamps {

enum class TsaFailure {
    Config,              // no URL, bad hash name, bad policy OID, password variable unset
    Transport,           // the TSA cannot be reached (retryable), or refused the address
    Unauthorized,        // HTTP 401/403: credentials or client certificate refused
    RateLimited,         // HTTP 429 (retryable, later)
    QuotaExhausted,      // no timestamps left on the account
    HttpStatus,          // any other non-200 answer
    Garbage,             // the body is not a TimeStampResp
    Rejected,            // PKIStatus rejection / waiting / revocation
    WrongNonce,          // the answer is not for this request
    WrongImprint,        // the token covers other data
    WrongPolicy,         // another policy than the one requested
    MissingCertificate,  // no TSA certificate in the token (we always ask for it)
    NotTsaCertificate,   // the signer lacks the critical extended key usage timeStamping
    UntrustedTsa,        // the TSA certificate does not chain to the configured anchors
    BadSignature,        // the token's signature does not verify
    ClockSkew,           // genTime too far from the local clock
    DataMismatch,        // verify: the file's hash differs from the token's imprint
};

const char* tsaFailureName(TsaFailure failure) noexcept;  // "wrong_nonce", ...

class TsaError : public std::runtime_error {
public:
    TsaError(TsaFailure failure, const std::string& message, std::string where = {},
             bool retryable = false)
        : std::runtime_error(message), failure_(failure), where_(std::move(where)),
          retryable_(retryable) {}
    TsaFailure failure() const noexcept { return failure_; }
    const std::string& where() const noexcept { return where_; }
    bool retryable() const noexcept { return retryable_; }
    // "where: message", as the agent shows errors.
    std::string describe() const { return where_.empty() ? what() : where_ + ": " + what(); }

private:
    TsaFailure failure_;
    std::string where_;
    bool retryable_;
};

}  // namespace certagent::timestamps
