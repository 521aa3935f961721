#pragma once
// Whether a certificate may be deleted from its token without --force: the last valid
// certificate whose key is on the token is what the user signs with, so deleting it is refused
// unless the user insists.
#include "certagent/core/token/types.hpp"

#include <vector>

namespace certagent::token {

struct DeletionCheck {
    const TokenCertificate* target = nullptr;
    // The target is unexpired, its key is (or may be) on the token, and no other certificate on
    // the token is.
    bool onlyValid = false;
};

// `onToken`: the certificates of one token. Throws Error(InvalidInput) when none has this id.
DeletionCheck checkDeletion(const std::vector<TokenCertificate>& onToken, const Bytes& id,
                            std::chrono::system_clock::time_point now);

}  // namespace certagent::token
