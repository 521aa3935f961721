// Trusted-list entry points that need libxmlsec1, forwarded to the documents module
// (documents_module.hpp).
#include "certagent/core/documents_module.hpp"

namespace certagent::signing {

TrustedListUpdate updateTrustedList(const config::Config& config,
                                    const std::filesystem::path& state_dir,
                                    const std::function<void(std::string_view)>& progress) {
    return documents::api().updateTrustedList(config, state_dir, progress);
}

TrustedListCache loadTrustedList(const config::Config& config,
                                 const std::filesystem::path& state_dir) {
    return documents::api().loadTrustedList(config, state_dir);
}

}  // namespace certagent::signing
