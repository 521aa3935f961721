#pragma once
// The EU trusted lists as trust anchors: the LOTL (list of trusted lists) is fetched from
// [verify] trusted_list_url, its XML signature checked against the certificates in
// [verify] trusted_list_signers, then each national list it points to is fetched and checked
// against the certificates the LOTL gives for it; the qualified CA certificates of the national
// lists are cached as PEM in the state dir (trust/eu-trusted-list.pem) and used by
// trustStoreFromConfig(). See docs/signing.md for what is and is not checked.
#include <filesystem>
#include <string>
#include <vector>

namespace certagent {
namespace config {
class Config;
}
}  // namespace certagent

namespace certagent::signing {

std::filesystem::path trustedListCacheFile(const std::filesystem::path& state_dir);

struct TrustedListUpdate {
    int lists = 0;         // national lists fetched and verified
    int certificates = 0;  // CA certificates cached
    std::vector<std::string> skipped;  // lists left out, with the reason (user text)
};

// Fetches, verifies and caches. Throws certagent::Error (Network, InvalidInput when the LOTL's
// signature does not verify; the previous cache is then kept unchanged).
TrustedListUpdate updateTrustedList(const config::Config& config,
                                    const std::filesystem::path& state_dir);

}  // namespace certagent::signing
