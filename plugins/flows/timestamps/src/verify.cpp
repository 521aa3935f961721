#include "verify.hpp"

#include <fstream>
#include <iterator>

#include "client.hpp"
#include "ossl.hpp"
#include "text.hpp"
#include "tsa_error.hpp"

namespace certagent::timestamps {

TokenInfo verifyFile(const std::filesystem::path& file, const std::filesystem::path& tsr,
                     const std::filesystem::path& anchors_pem) {
    std::ifstream in(tsr, std::ios::binary);
    if (!in)
        throw sdk::PluginError(CA_ERR_FAILED,
                               tsr.string() + ": " + _("the timestamp file (.tsr) cannot be read"));
    // A .tsr is a few KiB; anything far larger is not one (and is not read into memory).
    constexpr std::size_t kMaxTsr = 1u << 20;
    std::vector<uint8_t> der;
    der.reserve(8192);
    for (std::istreambuf_iterator<char> it(in), end; it != end && der.size() <= kMaxTsr; ++it)
        der.push_back(static_cast<uint8_t>(*it));
    if (der.size() > kMaxTsr)
        throw TsaError(TsaFailure::Garbage,
                       _("the timestamp service's answer is not an RFC 3161 timestamp response"),
                       tsr.string());
    int md = imprintAlgorithm(der);
    if (md != NID_sha256 && md != NID_sha384 && md != NID_sha512)
        throw TsaError(TsaFailure::Garbage,
                       _("the timestamp uses a hash algorithm certagent does not accept"),
                       tsr.string());
    Expectation expected;
    expected.mdNid = md;
    expected.imprint = digestFile(file, md);
    auto anchors = ossl::loadAnchors(anchors_pem);
    try {
        return checkResponse(der, expected, anchors.get(), tsr.string());
    } catch (const TsaError& e) {
        if (e.failure() != TsaFailure::WrongImprint) throw;
        throw TsaError(TsaFailure::DataMismatch,
                       _("the file does not match its timestamp: it changed after it was "
                         "timestamped, or the .tsr belongs to another file"),
                       file.string());
    }
}

}  // namespace certagent::timestamps
