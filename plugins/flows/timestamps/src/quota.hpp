#pragma once
// The holder's timestamp quota ("Mărci temporale"). The CA's renewal protocol answers it at
// GET /api/v1/timestamps/quota (docs/portal-api.md), authenticated by the holder's certificate
// on the token; TSAs that follow docs/timestamps.md also report what is left after each
// timestamp (header X-Timestamps-Remaining). The last known value is kept in the plugin's
// store (store.hpp) so the tray can show it without a PIN.
#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "transport.hpp"

namespace certagent::timestamps {

struct Quota {
    std::optional<long long> total, used;  // unknown when only the TSA reported
    long long remaining = 0;
    std::string tsaUrl;  // the CA's TSA, when it names one
    std::string source;  // "portal" | "tsa"
    std::string asOf;    // ISO 8601 UTC
};

nlohmann::json toJson(const Quota& q);
Quota quotaFromJson(const nlohmann::json& j);  // throws nlohmann::json::exception

// GET <portal_url>api/v1/timestamps/quota, with the token's client certificate
// ({"session", "id"}). Throws sdk::PluginError (CA_ERR_RETRY for the network).
Quota fetchPortalQuota(Transport& transport, const std::string& portal_url,
                       const std::string& ca_bundle, const nlohmann::json& client_certificate,
                       std::time_t now);

}  // namespace certagent::timestamps
