#pragma once
// Who may sign the trusted lists, and whether that signer could: the pinned LOTL signers, the
// signer's validity when a list was issued, the freshness of a list, and (when updating) the
// revocation of a national list's signer. Private to the trusted list code (trusted_list.cpp).
#include <chrono>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "certagent/core/pdf/ossl_ptr.hpp"

namespace certagent::config {
class Config;
}

namespace certagent::signing {

class RevocationChecker;

// The certificates of trustedListSignersFile(config). Throws Error(Config) naming the file when
// it holds none (or is missing).
std::vector<pdf::X509Ptr> loadLotlSigners(const config::Config& config);

// An ETSI dateTime ("2026-06-01T00:00:00Z") as a time; nullopt when it cannot be read.
std::optional<std::time_t> listTime(const std::string& text);

// Why `signer` could not have signed a list issued at `issued` (its validity period does not
// cover that time), in user text; nullopt when it could.
std::optional<std::string> signerNotValidWhenIssued(X509* signer, const std::string& issued);

// Why a list whose NextUpdate is `next_update` is no longer used at `now` (NextUpdate plus
// `grace` has passed, or it names none: a closed list); nullopt when it is current.
std::optional<std::string> outOfDate(const std::string& next_update, std::time_t now,
                                     std::chrono::hours grace);

// The revocation status of a national list's signer, asked when the lists are updated. The
// issuer is looked for among `candidates` (any certificate whose key verifies the signer's
// certificate is its issuer). `message` says why the list is refused (revoked) or why the
// status is not known (then the list is kept and the update says so); empty when it is good or
// nothing can be asked (a self-signed certificate, no OCSP or CRL address).
struct SignerRevocation {
    bool revoked = false;
    std::string message;
};
SignerRevocation signerRevocation(X509* signer, const std::vector<X509*>& candidates,
                                  RevocationChecker& checker, std::time_t now);

}  // namespace certagent::signing
