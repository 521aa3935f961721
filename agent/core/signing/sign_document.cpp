#include "certagent/core/signing/sign_document.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <fstream>
#include <memory>

#include "certagent/core/agent.hpp"
#include "certagent/core/error.hpp"
#include "certagent/core/events.hpp"
#include "certagent/core/files.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"
#include "certagent/core/pdf/cades.hpp"
#include "certagent/core/pdf/ossl_ptr.hpp"
#include "certagent/core/signing/token_signer.hpp"
#include "certagent/core/token/agent_tokens.hpp"
#include "certagent/core/token/token_json.hpp"

namespace certagent::signing {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

// SHA-256 of a file (what a detached CAdES signature signs).
std::vector<uint8_t> sha256File(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw Error(ErrorKind::Io, _("the file cannot be read"), file.string());
    pdf::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
        throw Error(ErrorKind::Internal, "EVP_DigestInit_ex failed");
    std::vector<char> buf(1 << 16);
    while (in) {
        in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
        if (in.gcount() > 0)
            EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<std::size_t>(in.gcount()));
    }
    if (in.bad()) throw Error(ErrorKind::Io, _("the file cannot be read"), file.string());
    std::vector<uint8_t> out(EVP_MAX_MD_SIZE);
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx.get(), out.data(), &n);
    out.resize(n);
    return out;
}

// The provider's timestamper, keeping every token it answered for the DocumentSigned event.
pdf::Timestamper providerTimestamper(Agent& agent,
                                     std::shared_ptr<std::vector<std::vector<uint8_t>>> tokens) {
    auto provider = agent.services().timestamper();
    if (!provider)
        throw Error(ErrorKind::Config,
                    _("a timestamped signature needs the timestamps plugin, and it is not loaded "
                      "(certagent-cli plugins says why)"),
                    "timestamps");
    return [provider, tokens](std::span<const uint8_t> signature_value) {
        auto token = provider(signature_value);
        tokens->push_back(token);
        return token;
    };
}

// DocumentSigned: the timestamps plugin records the signature's timestamps in its history.
void announceSigned(Agent& agent, const fs::path& out, const std::string& profile,
                    const std::vector<std::vector<uint8_t>>& tokens) {
    json e = {{"type", events::kDocumentSigned},
              {"file", fs::absolute(out).string()},
              {"profile", profile},
              {"timestamps", json::array()}};
    for (const auto& t : tokens) e["timestamps"].push_back(token::base64(t));
    agent.bus().publish(std::move(e));
}

std::string readIfSet(const std::string& path) {
    if (path.empty()) return {};
    std::ifstream in(path, std::ios::binary);
    if (!in) return {};
    return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

std::string chainCertificatesPem(const config::Config& config) {
    std::string pem;
    for (const char* key : {"renewal.ca_bundle", "verify.ca_bundle"}) {
        auto text = readIfSet(config.getString(key));
        if (!text.empty() && text.back() != '\n') text += '\n';
        pem += text;
    }
    return pem;
}

fs::path defaultSignedPath(const fs::path& in, bool cades) {
    if (cades) return fs::path(in.string() + ".p7s");
    // TRANSLATORS: the name of a signed copy; {0} is the original's name without ".pdf".
    return in.parent_path() / fmt::format(fmt::runtime(_("{0}.signed.pdf")), in.stem().string());
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
    // Before the PIN: no timestamp provider fails first.
    auto tokens = std::make_shared<std::vector<std::vector<uint8_t>>>();
    pdf::Timestamper timestamper;
    if (request.timestamp || level >= PadesLevel::BT)
        timestamper = providerTimestamper(agent, tokens);
    const auto anchors = chainCertificatesPem(agent.config());
    std::unique_ptr<token::TokenService> service;
    std::unique_ptr<TokenSigner> owned;
    if (request.session) {
        owned = std::make_unique<TokenSigner>(*request.session, request.certId, pin, anchors);
    } else {
        service = token::makeTokenService(agent);
        owned =
            std::make_unique<TokenSigner>(*service, request.token, request.certId, pin, anchors);
    }
    TokenSigner& signer = *owned;
    SignDocumentResult result;
    result.out = out;
    if (request.cades) {
        auto cms = pdf::buildCadesDetached(signer, sha256File(in), NID_sha256, timestamper);
        writeFileAtomically(out, cms);
        result.profile = timestamper ? "CAdES-B-T" : "CAdES-B-B";
    } else {
        auto options = request.pdf;
        options.timestamper = timestamper;
        pdf::signPdf(in, out, signer, options);
        result.profile = timestamper ? "PAdES-B-T" : "PAdES-B-B";
        if (level >= PadesLevel::BLT) {
            try {
                auto extended = extendDocument(agent, out, out, level, /*announce=*/false);
                if (extended.document_timestamp)
                    tokens->push_back(extended.document_timestamp_token);
            } catch (const Error& e) {
                // The signature itself is made (B-T) and stays: say so, and how to finish.
                announceSigned(agent, out, result.profile, *tokens);
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
    announceSigned(agent, out, result.profile, *tokens);
    log::info("signing", "signed {} as {} with certificate {} on token {}", out.string(),
              result.profile, token::toHex(request.certId), request.token);
    return result;
}

}  // namespace certagent::signing
