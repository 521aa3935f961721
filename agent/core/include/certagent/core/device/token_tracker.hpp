#pragma once
// Turns rescans of PKCS#11 slots into token events. Each rescan takes a fresh TokenService (so
// a module that only notices new tokens at C_Initialize, like SoftHSM2, is initialised again
// when nothing else holds it), lists the tokens, compares with the previous rescan and
// publishes, in this order:
//   TokenRemoved for tokens gone, TokenInserted for tokens new (both before any certificate
//   is read, so they come out fast), then CertificatesChanged for tokens whose certificates
//   differ (a new token's certificates count as added).
// A token pulled out during the rescan is simply not seen; nothing here throws for it.
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "certagent/core/clock.hpp"
#include "certagent/core/event_bus.hpp"
#include "certagent/core/token/token_service.hpp"

namespace certagent::device {

struct TokenState {
    token::TokenInfo info;
    // CKA_ID hex → certificate serial hex ("" when the object does not parse): a certificate
    // replaced under the same CKA_ID counts as removed and added.
    std::map<std::string, std::string> certificates;
    bool certificatesRead = false;
};

// Keyed by tokenKey(info): the module's real path and the token's serial.
using TokenSnapshot = std::map<std::string, TokenState>;
std::string tokenKey(const token::TokenInfo& info);

struct CertificateChange {
    token::TokenInfo token;
    std::vector<std::string> added;    // CKA_ID hex
    std::vector<std::string> removed;  // CKA_ID hex
};

struct TokenChanges {
    std::vector<token::TokenInfo> inserted;
    std::vector<token::TokenInfo> removed;
    std::vector<CertificateChange> certificates;
    bool empty() const { return inserted.empty() && removed.empty() && certificates.empty(); }
};

// Tokens only (certificates ignored).
TokenChanges diffTokens(const TokenSnapshot& before, const TokenSnapshot& after);
// Certificates of tokens present in `after` whose certificates were read; a token missing from
// `before` starts from no certificates.
std::vector<CertificateChange> diffCertificates(const TokenSnapshot& before,
                                                const TokenSnapshot& after);

// The events' JSON (events.hpp): TokenInserted, TokenRemoved, CertificatesChanged.
nlohmann::json tokenInsertedEvent(const token::TokenInfo& t, TimePoint time, bool initial);
nlohmann::json tokenRemovedEvent(const token::TokenInfo& t, TimePoint time);
nlohmann::json certificatesChangedEvent(const CertificateChange& c, TimePoint time);

class TokenTracker {
public:
    using ServiceFactory = std::function<std::unique_ptr<token::TokenService>()>;
    TokenTracker(EventBus& bus, Clock& clock, ServiceFactory factory);

    // Rescans every module and publishes what changed. `initial`: the first scan; tokens found
    // are published as TokenInserted with "initial": true. Never throws for token trouble (a
    // module that fails is logged and skipped).
    TokenChanges rescan(bool initial = false);

    TokenSnapshot snapshot() const;

    // Runs after each rescan has listed every module, before certificates are read: the
    // service that listed them, the tokens found, when the rescan started, and whether it was
    // the initial one (the driver check, driver_check.hpp). Set it before the first rescan.
    using AfterListing = std::function<void(token::TokenService&,
                                            const std::vector<token::TokenInfo>&, TimePoint,
                                            bool initial)>;
    void setAfterListing(AfterListing hook) { afterListing_ = std::move(hook); }

private:
    AfterListing afterListing_;
    EventBus& bus_;
    Clock& clock_;
    ServiceFactory factory_;
    std::mutex rescanMutex_;  // one rescan at a time
    mutable std::mutex snapshotMutex_;
    TokenSnapshot snapshot_;
};

}  // namespace certagent::device
