#pragma once
// RFC 3161 client: builds a TimeStampReq (random 64-bit nonce, the configured hash, optional
// policy, certReq), posts it to the TSA through a Transport and accepts the answer only after
// every check in response_check.hpp passed. Nothing is written here: callers store the result.
//
//   TsaClient client(settingsFrom(config), transport);
//   auto ts = client.timestampFile("contract.pdf");   // throws TsaError
//
// http:// URLs are asked with allowPlainHttp: the agent's client lets them through to any host
// when no password goes with them (the answer is signed and fully checked), and to this computer
// only (a loopback address, judged by libcurl's parser) when one does; https:// ones are
// verified against ca_bundle plus the system store. So HTTP basic credentials never leave the
// computer in clear. The password is read from the environment variable [timestamps] password_env names,
// only for the request, and wiped after it.
#include <chrono>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "response_check.hpp"
#include "transport.hpp"

namespace certagent::timestamps {

struct TsaSettings {
    std::string url;                 // [timestamps] url
    std::filesystem::path caBundle;  // [timestamps] ca_bundle: anchors for tokens and TLS
    std::string hash = "sha256";     // [timestamps] hash: sha256 | sha384 | sha512
    std::string policyOid;           // [timestamps] policy (empty: the TSA's default)
    std::string username;            // [timestamps] username (HTTP basic)
    std::string passwordEnv;         // [timestamps] password_env: variable with the password
    std::chrono::seconds maxClockSkew{600};  // [timestamps] max_clock_skew
    std::chrono::milliseconds timeout{30'000};
    std::vector<std::pair<std::string, std::string>> extraHeaders;  // e.g. a TSA's API key
    nlohmann::json clientCertificate;  // {"session", "id"} for https:// TSAs; or null
};

// Reads [timestamps] through `get` (a config key -> its JSON value, null when unset). The
// password is not read here (only its variable's name).
TsaSettings settingsFrom(const std::function<nlohmann::json(const std::string&)>& get);

struct Timestamp {
    std::vector<uint8_t> response;  // DER TimeStampResp: what FILE.tsr holds
    std::vector<uint8_t> token;     // DER TimeStampToken (ContentInfo): what PAdES B-T embeds
    TokenInfo info;
    std::optional<long long> quotaRemaining;  // from the TSA's X-Timestamps-Remaining header
    std::string url;
};

class TsaClient {
public:
    // Checks the settings (URL, hash); `now` replaces the clock (tests).
    TsaClient(TsaSettings settings, Transport& transport, std::function<std::time_t()> now = {});

    // The digest must be made with settings().hash. Throws TsaError.
    Timestamp timestampDigest(std::span<const uint8_t> digest);
    Timestamp timestampData(std::span<const uint8_t> data);
    Timestamp timestampFile(const std::filesystem::path& file);

    const TsaSettings& settings() const { return settings_; }
    int mdNid() const { return md_nid_; }

private:
    TsaSettings settings_;
    int md_nid_;
    Transport& transport_;
    std::function<std::time_t()> now_;
};

// Hash name ("sha256") -> NID; throws TsaError(Config) for anything else.
int hashNid(const std::string& name);
// Digest of a file or bytes with that NID. A file that cannot be read throws
// sdk::PluginError(CA_ERR_FAILED).
std::vector<uint8_t> digestFile(const std::filesystem::path& file, int md_nid);
std::vector<uint8_t> digestData(std::span<const uint8_t> data, int md_nid);

}  // namespace certagent::timestamps
