#pragma once
// The holder's timestamp quota ("Mărci temporale"). The CA's renewal protocol answers it at
// GET /api/v1/timestamps/quota (docs/portal-api.md), authenticated by the holder's certificate
// on the token; TSAs that follow docs/timestamps.md also report what is left after each
// timestamp (header X-Timestamps-Remaining). The last known value is cached in the state store
// so the tray can show it without a PIN; a reminder goes out once when it falls below
// [timestamps] low_quota, and again only after the quota went back above it.
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <optional>
#include <string>

#include <openssl/types.h>
#include <nlohmann/json.hpp>

namespace certagent {
class Notifier;
}
namespace certagent::state {
class StateStore;
}

namespace certagent::tsa {

struct Quota {
    std::optional<long long> total, used;  // unknown when only the TSA reported
    long long remaining = 0;
    std::string tsaUrl;  // the CA's TSA, when it names one
    std::string source;  // "portal" | "tsa"
    std::string asOf;    // ISO 8601 UTC
};

nlohmann::json toJson(const Quota& q);
Quota quotaFromJson(const nlohmann::json& j);

// GET <portal_url>api/v1/timestamps/quota with the client certificate (key on the token or in
// memory). Throws certagent::Error (Network, Tls, Protocol; Rejected for a JSON API error).
Quota fetchPortalQuota(const std::string& portal_url, const std::filesystem::path& ca_bundle,
                       X509* cert, EVP_PKEY* key, std::time_t now);

class QuotaCache {
  public:
    explicit QuotaCache(state::StateStore& store);
    std::optional<Quota> load();
    void save(const Quota& quota);
    // Saves, then notifies when the quota went below `threshold` (once per crossing). Returns
    // true when a reminder was sent.
    bool update(const Quota& quota, long long threshold, Notifier& notifier);

  private:
    state::StateStore& store_;
};

}  // namespace certagent::tsa
