#pragma once
// What a CMP server's PKIStatusInfo means for the person and for the engine (RFC 4210
// section 5.2.3, RFC 9483 section 3.6.4): each failInfo bit has a sentence saying what failed
// and what to do, and the whole answer maps to one of the engine's outcomes.
#include <string>
#include <vector>

#include "backend.hpp"

namespace certagent::renewal::cmp {

// The failInfo bits' names, in bit order ("badAlg" = bit 0 ... "duplicateCertReq" = bit 26).
const char* failInfoName(int bit) noexcept;
// Translated advice for one bit ("" when the bit is unknown).
std::string failInfoText(int bit);

// status: PKIStatus (0 accepted ... 6 keyUpdateWarning; -1 when the server sent none);
// failInfo: the bits; statusText: the server's own words (may be empty).
// Rejection/revocation notices map to Rejected, except: systemUnavail and systemFailure to
// Unreachable (the CA's trouble: retried), and badMessageCheck, signerNotTrusted,
// wrongAuthority, unsupportedVersion, badAlg to Misconfigured (our side must change).
Outcome outcomeFor(int status, int failInfo, const std::string& statusText);

}  // namespace certagent::renewal::cmp
