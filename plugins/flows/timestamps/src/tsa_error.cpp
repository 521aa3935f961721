#include "tsa_error.hpp"

namespace certagent::timestamps {

const char* tsaFailureName(TsaFailure f) noexcept {
    switch (f) {
        case TsaFailure::Config:
            return "config";
        case TsaFailure::Transport:
            return "transport";
        case TsaFailure::Unauthorized:
            return "unauthorized";
        case TsaFailure::RateLimited:
            return "rate_limited";
        case TsaFailure::QuotaExhausted:
            return "quota_exhausted";
        case TsaFailure::HttpStatus:
            return "http_status";
        case TsaFailure::Garbage:
            return "garbage";
        case TsaFailure::Rejected:
            return "rejected";
        case TsaFailure::WrongNonce:
            return "wrong_nonce";
        case TsaFailure::WrongImprint:
            return "wrong_imprint";
        case TsaFailure::WrongPolicy:
            return "wrong_policy";
        case TsaFailure::MissingCertificate:
            return "missing_certificate";
        case TsaFailure::NotTsaCertificate:
            return "not_tsa_certificate";
        case TsaFailure::UntrustedTsa:
            return "untrusted_tsa";
        case TsaFailure::BadSignature:
            return "bad_signature";
        case TsaFailure::ClockSkew:
            return "clock_skew";
        case TsaFailure::DataMismatch:
            return "data_mismatch";
    }
    return "unknown";
}

}  // namespace certagent::timestamps
