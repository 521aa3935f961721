#pragma once
// Verifies a file against its detached timestamp (FILE.tsr, a DER TimeStampResp): the file's
// hash (with the token's own algorithm) must equal the imprint, and the token must pass the
// same signature, usage and chain checks as a fresh answer. The chain is checked now.
#include <filesystem>

#include "response_check.hpp"

namespace certagent::timestamps {

// Throws TsaError (DataMismatch when the file changed, the check's reason otherwise), or
// sdk::PluginError when a file cannot be read.
TokenInfo verifyFile(const std::filesystem::path& file, const std::filesystem::path& tsr,
                     const std::filesystem::path& anchors_pem);

}  // namespace certagent::timestamps
