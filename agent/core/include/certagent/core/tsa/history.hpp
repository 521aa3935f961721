#pragma once
// The timestamps made on this computer (file name, hash, time, TSA serial), kept in the state
// store's "timestamps" area. One row per timestamp, written in its own transaction once the
// timestamp is stored (the .tsr written, or the signature saved).
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace certagent::state {
class StateStore;
}

namespace certagent::tsa {

struct HistoryEntry {
    int64_t id = 0;
    std::string kind;  // "file" (detached .tsr) | "signature" (PAdES B-T)
    std::string file;  // absolute path of the timestamped file (or the signed PDF)
    std::string hashAlgorithm;
    std::string hashHex;  // of the file, or of the signature value for "signature"
    std::string genTime;  // ISO 8601 UTC, the TSA's time
    std::string tsaSerial;
    std::string tsaSubject;
    std::string tsaUrl;
    std::string createdAt;  // local clock, ISO 8601 UTC
};

nlohmann::json toJson(const HistoryEntry& e);

class History {
  public:
    explicit History(state::StateStore& store);  // ensureSchema("timestamps", ...)
    int64_t add(const HistoryEntry& entry);
    void remove(int64_t id);
    std::vector<HistoryEntry> list(int limit = 100);  // newest first
    std::size_t count();

  private:
    state::StateStore& store_;
};

}  // namespace certagent::tsa
