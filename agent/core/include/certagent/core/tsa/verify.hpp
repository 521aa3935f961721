#pragma once
// Verifies a file against its detached timestamp (FILE.tsr, a DER TimeStampResp): the file's
// hash (with the token's own algorithm) must equal the imprint, and the token must pass the
// same signature, usage and chain checks as a fresh answer. The chain is checked now.
#include <filesystem>

#include "certagent/core/tsa/response_check.hpp"

namespace certagent::tsa {

// Throws TsaError (DataMismatch when the file changed, the check's reason otherwise).
TokenInfo verifyFile(const std::filesystem::path& file, const std::filesystem::path& tsr,
                     const std::filesystem::path& anchors_pem);

}  // namespace certagent::tsa
