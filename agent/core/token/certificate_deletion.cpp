#include "certagent/core/token/certificate_deletion.hpp"

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace certagent::token {

namespace {

// A certificate the user can sign with: it parses, has not expired, is already valid, and its
// private key is on the token (or cannot be ruled out before login).
bool usable(const TokenCertificate& c, std::chrono::system_clock::time_point now) {
    return c.info && c.privateKey != KeyPresence::Absent && now >= c.info->notBefore &&
           (c.info->noExpiry || now < c.info->notAfter);
}

}  // namespace

DeletionCheck checkDeletion(const std::vector<TokenCertificate>& onToken, const Bytes& id,
                            std::chrono::system_clock::time_point now) {
    DeletionCheck check;
    for (const auto& c : onToken)
        if (c.id == id) check.target = &c;
    if (!check.target)
        throw Error(ErrorKind::InvalidInput,
                    fmt::format(fmt::runtime(_("There is no certificate with id {0} on the token "
                                               "(see certagent-cli certs)")),
                                toHex(id)));
    if (!usable(*check.target, now)) return check;
    check.onlyValid = std::none_of(onToken.begin(), onToken.end(), [&](const TokenCertificate& c) {
        return c.id != id && usable(c, now);
    });
    return check;
}

}  // namespace certagent::token
