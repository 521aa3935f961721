#pragma once
// The EU trusted lists as trust anchors: the LOTL (list of trusted lists) is fetched from
// [verify] trusted_list_url, its XML signature checked against the certificates in
// [verify] trusted_list_signers (by default the file shipped with the package, from the
// Official Journal), then each national list it points to is fetched and checked against the
// certificates the LOTL gives for it; the CA/QC services whose current status is "granted" give
// the anchors. A list whose NextUpdate (plus [verify] trusted_list_grace_hours) has passed, or
// whose signer's certificate was not valid when it was issued, gives none. The verified XML files are kept in the state dir
// (trust/eu-trusted-list/) and re-verified whenever they are loaded, so a file planted there
// is never trusted on its own; trust/eu-trusted-list.pem is a readable export of the anchors.
// See docs/signing.md for what is and is not checked.
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "certagent/core/fwd.hpp"
#include "certagent/core/pdf/ossl_ptr.hpp"

namespace certagent::signing {

std::filesystem::path trustedListCacheFile(const std::filesystem::path& state_dir);
// The verified XML files: lotl.xml and one <territory>.xml per national list.
std::filesystem::path trustedListCacheDir(const std::filesystem::path& state_dir);
// The PEM file of the certificates allowed to sign the LOTL: [verify] trusted_list_signers, or
// when that is empty <data dir>/trust/eu-lotl-signers.pem (paths::dataDir()).
std::filesystem::path trustedListSignersFile(const config::Config& config);

struct TrustedListUpdate {
    int lists = 0;                     // national lists fetched and verified
    int certificates = 0;              // CA certificates cached
    std::vector<std::string> skipped;  // lists left out, with the reason (user text)
    int not_modified = 0;              // lists the server said were unchanged (HTTP 304)
    // Lists kept although something about them could not be checked: the revocation of their
    // signer's certificate (a responder down, an issuer not known). User text.
    std::vector<std::string> notes;
};

// Fetches (conditionally: a list unchanged since the last update is answered 304 and taken
// from the verified cache), verifies and caches. A national list whose signer's certificate is
// revoked (OCSP or CRL, as in revocation.hpp) is skipped. Throws certagent::Error (Config when the keys are missing,
// Network/Tls/Protocol when the LOTL cannot be fetched, InvalidInput when its signature does
// not verify, is out of date, or no national list verifies); the previous cache is then kept
// unchanged.
// `progress` (optional) gets one line of user text per step.
TrustedListUpdate updateTrustedList(const config::Config& config,
                                    const std::filesystem::path& state_dir,
                                    const std::function<void(std::string_view)>& progress = {});

struct TrustedListAnchor {
    std::string territory;  // "RO"
    std::string provider;   // the trust service provider's name
    std::string service;    // the service's name
    pdf::X509Ptr certificate;
};

struct TrustedListCache {
    std::vector<TrustedListAnchor> anchors;
    std::vector<std::string> problems;  // why something cached is not trusted (user text)
    std::string issued;                 // the LOTL's ListIssueDateTime
    std::string next_update;            // the LOTL's NextUpdate
    bool stale = false;  // the LOTL is past NextUpdate + grace: it gives no anchors
    std::vector<std::string> stale_lists;  // territories of national lists out of date (left out)
};

// Re-verifies the cached lists against the configured signers and gives their anchors; no
// anchors (and the reason in `problems`) when nothing is cached or it no longer verifies.
TrustedListCache loadTrustedList(const config::Config& config,
                                 const std::filesystem::path& state_dir);

// The agent keeps the lists fresh by itself (the daemon's and the tray's "trusted-list" area):
// an update when the cached LOTL's NextUpdate has passed (at once when nothing is cached),
// then again at the new NextUpdate; a failed update keeps the last good copy and is tried again
// an hour later (doubling up to a day). Returns a line for the area's status; "off" when
// [verify] trusted_list_url is not set.
std::string startTrustedListRefresh(Agent& agent);

}  // namespace certagent::signing
