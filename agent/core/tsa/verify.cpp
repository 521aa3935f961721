#include "certagent/core/tsa/verify.hpp"

#include <fstream>

#include "certagent/core/i18n.hpp"
#include "certagent/core/tsa/client.hpp"
#include "certagent/core/tsa/tsa_error.hpp"
#include "ossl_util.hpp"

namespace certagent::tsa {

TokenInfo verifyFile(const std::filesystem::path& file, const std::filesystem::path& tsr,
                     const std::filesystem::path& anchors_pem) {
    std::ifstream in(tsr, std::ios::binary);
    if (!in)
        throw Error(ErrorKind::Io, _("the timestamp file (.tsr) cannot be read"), tsr.string());
    std::vector<uint8_t> der((std::istreambuf_iterator<char>(in)), {});
    int md = imprintAlgorithm(der);
    if (md != NID_sha256 && md != NID_sha384 && md != NID_sha512)
        throw TsaError(TsaFailure::Garbage, ErrorKind::InvalidInput,
                       _("the timestamp uses a hash algorithm certagent does not accept"),
                       tsr.string());
    Expectation expected;
    expected.mdNid = md;
    expected.imprint = digestFile(file, md);
    auto anchors = detail::loadAnchors(anchors_pem.string());
    try {
        return checkResponse(der, expected, anchors.get(), tsr.string());
    } catch (const TsaError& e) {
        if (e.failure() != TsaFailure::WrongImprint) throw;
        throw TsaError(TsaFailure::DataMismatch, ErrorKind::InvalidInput,
                       _("the file does not match its timestamp: it changed after it was "
                         "timestamped, or the .tsr belongs to another file"),
                       file.string());
    }
}

}  // namespace certagent::tsa
