#pragma once
// RFC 3161 client: builds a TimeStampReq (random 64-bit nonce, the configured hash, optional
// policy, certReq), posts it to the TSA and accepts the answer only after every check in
// response_check.hpp passed. Nothing is written here: callers store the result.
//
//   tsa::TsaClient client(tsa::settingsFrom(agent.config()));
//   auto ts = client.timestampFile("contract.pdf");   // throws TsaError
//   writeFile("contract.pdf.tsr", ts.response);
//
// Transport: http:// (RFC 3161 over HTTP; the answer is signed, so TLS is optional) or https://
// (certagent::http::CurlClient: verified against ca_bundle + system store; a client
// certificate whose key is on the token may be presented). HTTP basic credentials are sent only
// over https://, or over http:// to a loopback address.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <openssl/types.h>

#include "certagent/core/secret.hpp"
#include "certagent/core/tsa/response_check.hpp"

namespace certagent::config {
class Config;
}
namespace certagent::http {
class HttpClient;
}

namespace certagent::tsa {

struct TsaSettings {
    std::string url;                 // [timestamps] url
    std::filesystem::path caBundle;  // [timestamps] ca_bundle: anchors for tokens and TLS
    std::string hash = "sha256";     // [timestamps] hash: sha256 | sha384 | sha512
    std::string policyOid;           // [timestamps] policy (empty: the TSA's default)
    std::string username;            // [timestamps] username (HTTP basic)
    std::string passwordEnv;         // [timestamps] password_env: variable with the password
    std::chrono::seconds maxClockSkew{600};  // [timestamps] max_clock_skew
    std::chrono::milliseconds timeout{30'000};
    std::vector<std::string> extraHeaders;  // "Name: value", e.g. a TSA's API key
    // Client certificate for https:// TSAs (borrowed; e.g. TokenSigner's certificate and key).
    X509* clientCert = nullptr;
    EVP_PKEY* clientKey = nullptr;
};

// Reads [timestamps]. The password is not read here (only its variable's name).
TsaSettings settingsFrom(const config::Config& config);

struct Timestamp {
    std::vector<uint8_t> response;  // DER TimeStampResp: what FILE.tsr holds
    std::vector<uint8_t> token;     // DER TimeStampToken (ContentInfo): what PAdES B-T embeds
    TokenInfo info;
    std::optional<long long> quotaRemaining;  // from the TSA's X-Timestamps-Remaining header
    std::string url;
};

class TsaClient {
  public:
    // `transport` replaces the built-in one (tests, other stacks); `now` the clock.
    explicit TsaClient(TsaSettings settings, std::shared_ptr<http::HttpClient> transport = {},
                       std::function<std::time_t()> now = {});
    ~TsaClient();
    TsaClient(const TsaClient&) = delete;
    TsaClient& operator=(const TsaClient&) = delete;

    // The digest must be made with settings().hash. Throws TsaError.
    Timestamp timestampDigest(std::span<const uint8_t> digest);
    Timestamp timestampData(std::span<const uint8_t> data);
    Timestamp timestampFile(const std::filesystem::path& file);

    const TsaSettings& settings() const { return settings_; }
    int mdNid() const { return md_nid_; }

  private:
    http::HttpClient& transport();

    TsaSettings settings_;
    int md_nid_;
    std::shared_ptr<http::HttpClient> transport_;
    std::function<std::time_t()> now_;
};

// Hash name ("sha256") -> NID; throws TsaError(Config) for anything else.
int hashNid(const std::string& name);
// Digest of a file or bytes with that NID.
std::vector<uint8_t> digestFile(const std::filesystem::path& file, int md_nid);
std::vector<uint8_t> digestData(std::span<const uint8_t> data, int md_nid);

}  // namespace certagent::tsa
