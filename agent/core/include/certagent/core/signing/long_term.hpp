#pragma once
// PAdES levels beyond B-T (ETSI EN 319 142-1): B-LT adds, in an incremental update, the
// validation data of every signature (its chain, its timestamp authority's chain, OCSP answers
// or CRLs for each certificate) to the Document Security Store with a VRI entry per signature;
// B-LTA then adds a document timestamp over everything. `extend` raises a signed PDF this way,
// so an archive can be refreshed before its last timestamp's certificate expires.
#include <ctime>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "certagent/core/pdf/ossl_ptr.hpp"
#include "certagent/core/signing/revocation.hpp"

namespace certagent {
class Agent;
}

namespace certagent::signing {

enum class PadesLevel { BB, BT, BLT, BLTA };
// "B-B", "B-T", "B-LT", "B-LTA" (case-insensitive; "PAdES-" may lead). Throws Usage otherwise.
PadesLevel parsePadesLevel(std::string_view text);
const char* padesLevelName(PadesLevel level);  // "B-LT"

struct ExtendOptions {
    PadesLevel level = PadesLevel::BLT;  // BLT or BLTA
    X509_STORE* anchors = nullptr;       // the signers' (and TSAs') trust anchors
    RevocationChecker* revocation = nullptr;
    std::time_t now = 0;  // 0: the current time
    // B-LTA: the bytes the byte ranges cover -> a DER TimeStampToken (the agent's timestamp
    // provider, agent.services().timestamper()).
    std::function<std::vector<uint8_t>(std::span<const uint8_t> covered)> document_timestamper;
};

struct ExtendResult {
    int signatures = 0;  // signatures and document timestamps given validation data
    std::size_t certificates = 0, ocsp_responses = 0, crls = 0;  // added to the DSS
    bool document_timestamp = false;
    std::vector<uint8_t> document_timestamp_token;  // DER, when one was added
};

// Raises `in` to options.level into `out` (may equal `in`). Every signature must be intact and
// chain to options.anchors, and every certificate of its chain (and of its timestamp's) must
// have a usable revocation status; otherwise nothing is written and certagent::Error says which
// signature or certificate and why (InvalidInput, Rejected for a revoked certificate, Network
// when the status cannot be fetched now: retryable).
ExtendResult extendPdf(const std::filesystem::path& in, const std::filesystem::path& out,
                       const ExtendOptions& options);

// extendPdf with the agent's configuration: [verify] anchors and revocation settings, and for
// B-LTA the timestamp provider (the timestamps plugin: its TSA, quota and history). With
// `announce`, a DocumentSigned event carries the document timestamp (signDocument announces
// the signature and its timestamps together instead).
ExtendResult extendDocument(Agent& agent, const std::filesystem::path& in,
                            const std::filesystem::path& out, PadesLevel level,
                            bool announce = true);

}  // namespace certagent::signing
