// Where the trusted-list files live; also built into the documents module (trusted_list.cpp).
#include "certagent/core/signing/trusted_list.hpp"

#include "certagent/core/config.hpp"
#include "certagent/core/paths.hpp"

namespace certagent::signing {
namespace fs = std::filesystem;

fs::path trustedListCacheFile(const fs::path& state_dir) {
    return state_dir / "trust" / "eu-trusted-list.pem";
}

fs::path trustedListCacheDir(const fs::path& state_dir) {
    return state_dir / "trust" / "eu-trusted-list";
}

fs::path trustedListSignersFile(const config::Config& config) {
    const std::string configured = config.getString("verify.trusted_list_signers");
    if (!configured.empty()) return configured;
    return paths::dataDir() / "trust" / "eu-lotl-signers.pem";
}

}  // namespace certagent::signing
