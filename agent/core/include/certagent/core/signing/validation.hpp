#pragma once
// The verdict on a signature, in the vocabulary of ETSI EN 319 102-1: TOTAL-PASSED,
// TOTAL-FAILED or INDETERMINATE with a sub-indication, once the structural checks
// (pdf::verifyPdf, verifyCadesDetached) are in and the revocation status of every certificate of
// the signer's chain is known (revocation.hpp). docs/signing.md lists each sub-indication.
#include <ctime>

#include "certagent/core/pdf/verify.hpp"
#include "certagent/core/signing/revocation.hpp"

namespace certagent::signing {

// Checks the revocation of r.chain (the anchor excluded) with `checker` at `now`, then sets
// r.revocation, r.indication, r.sub_indication and r.verdict_message. Never throws for what the
// document or a server says.
void validate(pdf::SignatureReport& r, RevocationChecker& checker, std::time_t now);

}  // namespace certagent::signing
