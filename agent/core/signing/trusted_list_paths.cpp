// Where the trusted-list cache lives; also built into the documents module (trusted_list.cpp).
#include "certagent/core/signing/trusted_list.hpp"

namespace certagent::signing {
namespace fs = std::filesystem;

fs::path trustedListCacheFile(const fs::path& state_dir) {
    return state_dir / "trust" / "eu-trusted-list.pem";
}

fs::path trustedListCacheDir(const fs::path& state_dir) {
    return state_dir / "trust" / "eu-trusted-list";
}

}  // namespace certagent::signing
