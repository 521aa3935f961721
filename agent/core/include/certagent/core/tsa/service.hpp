#pragma once
// The timestamps area wired to an Agent: one call that timestamps a file into FILE.tsr and
// records it, a Timestamper for PAdES B-T, and the host methods plugins and the GUI call:
//   timestamps.quota    {} -> {"known", "remaining", "total", "used", "as_of", "source",
//                             "low", "low_quota", "label"}  (cached: no network, no PIN)
//   timestamps.history  {"limit"?} -> {"items": [...]}
//   timestamps.stamp_file {"path"} -> the stampFile() result as JSON
#include <filesystem>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "certagent/core/pdf/cades.hpp"
#include "certagent/core/tsa/client.hpp"
#include "certagent/core/tsa/history.hpp"

namespace certagent {
class Agent;
}

namespace certagent::tsa {

struct StampResult {
    std::filesystem::path file;
    std::filesystem::path tsr;
    Timestamp timestamp;
    HistoryEntry entry;
};
nlohmann::json toJson(const StampResult& r);

// Path of the detached timestamp next to `file`: FILE.tsr.
std::filesystem::path tsrPathFor(const std::filesystem::path& file);

// Timestamps `file`, writes FILE.tsr (temp file + rename) and adds a history row (when the
// agent has a state store), then updates the quota cache. On any failure nothing is written.
// `overwrite`: replace an existing FILE.tsr (else Usage error before any network call).
StampResult stampFile(Agent& agent, TsaClient& client, const std::filesystem::path& file,
                      bool overwrite = false);

// A PAdES B-T timestamper over `client`: hashes the signature value with the client's hash.
// Each token obtained is appended to `obtained` (so the caller records history once the PDF is
// saved).
pdf::Timestamper makeTimestamper(TsaClient& client,
                                 std::shared_ptr<std::vector<Timestamp>> obtained);

// `sign --timestamp` (PAdES or CAdES B-T): a client from [timestamps], a Timestamper over it,
// and the history rows written once the caller has saved the signed file.
class SignatureTimestamper {
  public:
    explicit SignatureTimestamper(Agent& agent);
    ~SignatureTimestamper();
    pdf::Timestamper timestamper();
    // One "signature" history row per token obtained (file = the signed file), then the quota.
    void recordSaved(const std::filesystem::path& signed_file);

  private:
    Agent& agent_;
    std::unique_ptr<TsaClient> client_;
    std::shared_ptr<std::vector<Timestamp>> obtained_;
};

// After a timestamp: record the TSA's reported quota (if any) and remind when low.
void noteQuota(Agent& agent, const Timestamp& ts);

// Registers the host methods above on the agent (idempotent per agent).
void registerHostMethods(Agent& agent);

}  // namespace certagent::tsa
