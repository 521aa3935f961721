// EU trusted lists: see trusted_list.hpp.
#include "certagent/core/signing/trusted_list.hpp"

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"

namespace certagent::signing {

std::filesystem::path trustedListCacheFile(const std::filesystem::path& state_dir) {
    return state_dir / "trust" / "eu-trusted-list.pem";
}

TrustedListUpdate updateTrustedList(const config::Config&, const std::filesystem::path&) {
    throw Error(ErrorKind::Internal, _("updating the EU trusted list is not available yet"));
}

}  // namespace certagent::signing
