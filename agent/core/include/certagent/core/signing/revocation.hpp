#pragma once
// Revocation status of certificates: OCSP (RFC 6960) from the certificate's AIA address, CRLs
// (RFC 5280) from its distribution points, fetched with the agent's libcurl clients (http:// for
// these signed answers, https:// verified) and checked with OpenSSL: signature, an authorised
// signer (the issuer itself, or a responder it certified for OCSPSigning), thisUpdate/nextUpdate,
// and the nonce when one was sent. Evidence the document carries comes first, then the cache in
// the state folder (kept until nextUpdate), then the network.
//
//   signing::RevocationChecker checker(signing::revocationSettingsFrom(config, state_dir));
//   auto status = checker.check(cert, issuer, embedded, now, best_signature_time);
//
// Every answer is hostile until checked: sizes, time and counts are bounded (settings), and a
// refused answer yields status unknown with its own reason, never an exception.
#include <chrono>
#include <cstddef>
#include <ctime>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <openssl/types.h>

#include "certagent/core/pdf/verify.hpp"

namespace certagent::config {
class Config;
}
namespace certagent::http {
class HttpClient;
}

namespace certagent::signing {

struct RevocationSettings {
    bool online = true;               // fetch when nothing embedded or cached will do
    std::filesystem::path cache_dir;  // empty: no cache
    std::chrono::milliseconds connect_timeout{5'000};
    std::chrono::milliseconds timeout{10'000};  // per request
    std::chrono::seconds budget{30};            // all requests of one checker (one verification)
    std::size_t max_ocsp_bytes = 64u << 10;
    std::size_t max_crl_bytes = 8u << 20;
    std::size_t max_urls = 2;              // OCSP addresses and distribution points tried, each
    std::chrono::seconds clock_skew{300};  // tolerated between us and the responder
    // Transports (tests, other stacks); empty: the agent's CurlClient (http:// to any host for
    // `plain`, https:// verified against the system store for `secure`).
    std::shared_ptr<http::HttpClient> plain, secure;
};

// [verify] revocation ("online" | "offline": embedded and cached evidence only) and the cache in
// <state_dir>/revocation/.
RevocationSettings revocationSettingsFrom(const config::Config& config,
                                          const std::filesystem::path& state_dir);

// What evidence may stand for: a time the signature is proven to have existed (a trusted
// timestamp), so that evidence issued after it proves the status at signing time.
class RevocationChecker {
  public:
    explicit RevocationChecker(RevocationSettings settings);
    ~RevocationChecker();
    RevocationChecker(const RevocationChecker&) = delete;
    RevocationChecker& operator=(const RevocationChecker&) = delete;

    // The status of `cert` (issued by `issuer`) at `now`. Evidence is usable when it is current
    // (thisUpdate <= now <= nextUpdate, within the clock skew) or, with `proven_existence`, when
    // it was issued after that time. Never throws for what a server or a document says.
    pdf::CertificateStatus check(X509* cert, X509* issuer, const pdf::ValidationMaterial& embedded,
                                 std::time_t now,
                                 std::optional<std::time_t> proven_existence = std::nullopt);

    const RevocationSettings& settings() const { return settings_; }

  private:
    struct Impl;
    RevocationSettings settings_;
    std::unique_ptr<Impl> impl_;
};

// The OCSP addresses (AIA) and CRL distribution points (http:// and https:// only) a
// certificate publishes.
std::vector<std::string> ocspUrls(X509* cert);
std::vector<std::string> crlUrls(X509* cert);

}  // namespace certagent::signing
