// certagent-cli sign FILE.pdf --token SERIAL --cert ID [--pin-env VAR] [-o OUT]: a PAdES
// baseline signature made with the key on the token.
// certagent-cli sign FILE --cades ... [-o FILE.p7s]: a detached CAdES signature of any file.
#include <fmt/format.h>
#include <fstream>
#include <iostream>

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/pdf/cades.hpp"
#include "certagent/core/pdf/sign.hpp"
#include "certagent/core/signing/token_signer.hpp"
#include "certagent/core/token/agent_tokens.hpp"
#include "certagent/core/tsa/service.hpp"
#include "command.hpp"

namespace certagent::cli {
namespace fs = std::filesystem;
namespace {

std::string readIfSet(const std::string& path) {
    if (path.empty()) return {};
    std::ifstream in(path, std::ios::binary);
    if (!in) return {};
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// B-T: with --timestamp, a signature timestamp from [timestamps] (docs/timestamps.md); made
// before the PIN is asked, so a bad [timestamps] config fails first. Null means B-B.
std::unique_ptr<tsa::SignatureTimestamper> timestampsFor(const Args& args, Agent& agent) {
    if (!args.flag("--timestamp")) return nullptr;
    return std::make_unique<tsa::SignatureTimestamper>(agent);
}

// SHA-256 of a file, read in blocks (any size).
std::vector<uint8_t> sha256OfFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(ErrorKind::Io, _("the file cannot be read"), path.string());
    pdf::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
    std::vector<char> buf(1 << 16);
    while (in) {
        in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
        EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<size_t>(in.gcount()));
    }
    std::vector<uint8_t> md(EVP_MAX_MD_SIZE);
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx.get(), md.data(), &n);
    md.resize(n);
    return md;
}

// Writes to a temporary file beside `out`, then renames: no half-written signature.
void writeAtomically(const fs::path& out, const std::vector<uint8_t>& bytes) {
    fs::path tmp = out;
    tmp += ".tmp";
    {
        std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
        f.write(reinterpret_cast<const char*>(bytes.data()),
                static_cast<std::streamsize>(bytes.size()));
        if (!f) throw Error(ErrorKind::Io, _("the file cannot be written"), tmp.string());
    }
    fs::rename(tmp, out);
}

int runSign(Context& ctx) {
    Args args(ctx.args, {"--token", "--cert", "--pin-env", "-o", "--output", "--reason",
                         "--location"},
              {"--visible", "--force", "--cades", "--timestamp"});
    if (args.positionals().size() != 1 || !args.value("--token") || !args.value("--cert"))
        throw Error(ErrorKind::Usage,
                    _("usage: certagent-cli sign FILE.pdf --token SERIAL --cert ID [--pin-env "
                      "VAR] [-o OUT] [--reason TEXT] [--location TEXT] [--visible] [--timestamp] "
                      "| sign FILE --cades --token SERIAL --cert ID [--pin-env VAR] [-o FILE.p7s] "
                      "[--timestamp]"));
    const bool cades = args.flag("--cades");
    if (cades && (args.flag("--visible") || args.value("--reason") || args.value("--location")))
        throw Error(ErrorKind::Usage,
                    _("--visible, --reason and --location are for PDF signatures, not --cades"));
    fs::path in = args.positionals()[0];
    if (!fs::exists(in))
        throw Error(ErrorKind::InvalidInput, _("the file does not exist"), in.string());
    fs::path out = args.value("-o").value_or(args.value("--output").value_or(""));
    if (out.empty())
        out = cades ? fs::path(in.string() + ".p7s")
                    : in.parent_path() / (in.stem().string() + ".signed.pdf");
    if (cades && fs::exists(out) && fs::equivalent(out, in))
        throw Error(ErrorKind::Usage, _("the signature cannot replace the signed file"),
                    out.string());
    if (fs::exists(out) && !args.flag("--force") && fs::absolute(out) != fs::absolute(in))
        throw Error(ErrorKind::Usage,
                    _("the output file exists; choose another with -o or add --force"),
                    out.string());
    auto cert_id = token::fromHex(*args.value("--cert"));

    // The state store keeps the timestamps' history.
    auto& agent = ctx.agent(/*open_state=*/args.flag("--timestamp"));
    auto stamps = timestampsFor(args, agent);
    auto service = token::makeTokenService(agent);
    std::cerr << fmt::format(fmt::runtime(_("Signing {0} with certificate {1} on token {2}…")),
                             in.string(), *args.value("--cert"), *args.value("--token"))
              << std::endl;
    signing::TokenSigner signer(*service, *args.value("--token"), cert_id,
                                pinCallback(args.value("--pin-env")),
                                readIfSet(agent.config().getString("renewal.ca_bundle")));
    auto timestamper = stamps ? stamps->timestamper() : pdf::Timestamper{};
    const char* level = timestamper ? "B-T" : "B-B";
    if (cades) {
        auto cms = pdf::buildCadesDetached(signer, sha256OfFile(in), NID_sha256, timestamper);
        writeAtomically(out, cms);
    } else {
        pdf::SignOptions options;
        options.reason = args.value("--reason").value_or("");
        options.location = args.value("--location").value_or("");
        if (args.flag("--visible")) options.visible = pdf::VisibleSignature{};
        options.timestamper = timestamper;
        pdf::signPdf(in, out, signer, options);
    }
    if (stamps) stamps->recordSaved(out);
    const std::string profile = std::string(cades ? "CAdES-" : "PAdES-") + level;
    if (ctx.json_output)
        ctx.print({{"input", in.string()}, {"output", out.string()}, {"profile", profile}});
    else
        std::cout << fmt::format(fmt::runtime(_("Signed: {0}")), out.string()) << std::endl;
    return kOk;
}

}  // namespace
}  // namespace certagent::cli

CERTAGENT_CLI_COMMAND(sign, "sign",
                      N_("sign a PDF (PAdES) or any file (--cades: detached .p7s) with a "
                         "certificate on a token"),
                      N_("sign FILE.pdf|FILE [--cades] --token SERIAL --cert ID [--pin-env VAR] "
                         "[-o OUT] [--timestamp]"),
                      certagent::cli::runSign)
