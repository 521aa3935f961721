#include "certagent/core/signing/sign_document.hpp"

#include <fmt/format.h>

#include <fstream>

#include "certagent/core/agent.hpp"
#include "certagent/core/error.hpp"
#include "certagent/core/files.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"
#include "certagent/core/pdf/cades.hpp"
#include "certagent/core/signing/token_signer.hpp"
#include "certagent/core/token/agent_tokens.hpp"
#include "certagent/core/tsa/client.hpp"
#include "certagent/core/tsa/service.hpp"

namespace certagent::signing {
namespace fs = std::filesystem;

namespace {

std::string readIfSet(const std::string& path) {
    if (path.empty()) return {};
    std::ifstream in(path, std::ios::binary);
    if (!in) return {};
    return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

fs::path defaultSignedPath(const fs::path& in, bool cades) {
    if (cades) return fs::path(in.string() + ".p7s");
    return in.parent_path() / (in.stem().string() + ".signed.pdf");
}

SignDocumentResult signDocument(Agent& agent, const SignDocumentRequest& request,
                                const token::PinCallback& pin) {
    const fs::path& in = request.in;
    std::error_code ec;
    if (!fs::is_regular_file(in, ec))
        throw Error(ErrorKind::InvalidInput, _("the file does not exist"), in.string());
    fs::path out = request.out.empty() ? defaultSignedPath(in, request.cades) : request.out;
    const bool sameFile = fs::exists(out, ec) && fs::equivalent(out, in, ec);
    if (request.cades && sameFile)
        throw Error(ErrorKind::Usage, _("the signature cannot replace the signed file"),
                    out.string());
    if (fs::exists(out, ec) && !request.overwrite && !sameFile)
        throw Error(ErrorKind::Usage,
                    _("the output file exists; choose another with -o or add --force"),
                    out.string());

    const PadesLevel level =
        request.level ? *request.level : (request.timestamp ? PadesLevel::BT : PadesLevel::BB);
    if (request.cades && level > PadesLevel::BT)
        throw Error(ErrorKind::Usage, _("detached CAdES signatures (.p7s) can be made at level "
                                        "B-B or B-T; B-LT and B-LTA are for PDFs"));
    const bool timestamp = request.timestamp || level >= PadesLevel::BT;
    // Before the PIN: a bad [timestamps] config fails first.
    std::unique_ptr<tsa::SignatureTimestamper> stamps;
    if (timestamp) stamps = std::make_unique<tsa::SignatureTimestamper>(agent);
    auto service = token::makeTokenService(agent);
    TokenSigner signer(*service, request.token, request.certId, pin,
                       readIfSet(agent.config().getString("renewal.ca_bundle")));
    auto timestamper = stamps ? stamps->timestamper() : pdf::Timestamper{};
    SignDocumentResult result;
    result.out = out;
    if (request.cades) {
        auto cms = pdf::buildCadesDetached(signer, tsa::digestFile(in, NID_sha256), NID_sha256,
                                           timestamper);
        writeFileAtomically(out, cms);
        result.profile = timestamper ? "CAdES-B-T" : "CAdES-B-B";
    } else {
        auto options = request.pdf;
        options.timestamper = timestamper;
        pdf::signPdf(in, out, signer, options);
        result.profile = timestamper ? "PAdES-B-T" : "PAdES-B-B";
        if (level >= PadesLevel::BLT) {
            try {
                extendDocument(agent, out, out, level);
            } catch (const Error& e) {
                // The signature itself is made (B-T) and stays: say so, and how to finish.
                if (stamps) stamps->recordSaved(out);
                throw Error(e.kind(),
                            fmt::format(fmt::runtime(_("{0} is signed at level B-T, but raising "
                                                       "it to {1} failed: {2}. Run "
                                                       "\"certagent-cli extend {0} --level {1}\" "
                                                       "later.")),
                                        out.string(), padesLevelName(level), e.what()),
                            e.where(), e.retryable());
            }
            result.profile = std::string("PAdES-") + padesLevelName(level);
        }
    }
    if (stamps) stamps->recordSaved(out);
    log::info("signing", "signed {} as {} with certificate {} on token {}", out.string(),
              result.profile, token::toHex(request.certId), request.token);
    return result;
}

}  // namespace certagent::signing
