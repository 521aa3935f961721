// certagent-cli sign FILE.pdf --token SERIAL --cert ID [--pin-env VAR] [-o OUT]: a PAdES
// baseline signature made with the key on the token.
#include <fmt/format.h>
#include <fstream>
#include <iostream>

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/pdf/sign.hpp"
#include "certagent/core/signing/token_signer.hpp"
#include "certagent/core/token/agent_tokens.hpp"
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

int runSign(Context& ctx) {
    Args args(ctx.args, {"--token", "--cert", "--pin-env", "-o", "--output", "--reason",
                         "--location"},
              {"--visible", "--force"});
    if (args.positionals().size() != 1 || !args.value("--token") || !args.value("--cert"))
        throw Error(ErrorKind::Usage,
                    _("usage: certagent-cli sign FILE.pdf --token SERIAL --cert ID [--pin-env "
                      "VAR] [-o OUT] [--reason TEXT] [--location TEXT] [--visible]"));
    fs::path in = args.positionals()[0];
    if (!fs::exists(in))
        throw Error(ErrorKind::InvalidInput, _("the file does not exist"), in.string());
    fs::path out = args.value("-o").value_or(args.value("--output").value_or(""));
    if (out.empty()) out = in.parent_path() / (in.stem().string() + ".signed.pdf");
    if (fs::exists(out) && !args.flag("--force") && fs::absolute(out) != fs::absolute(in))
        throw Error(ErrorKind::Usage,
                    _("the output file exists; choose another with -o or add --force"),
                    out.string());
    auto cert_id = token::fromHex(*args.value("--cert"));

    auto& agent = ctx.agent(/*open_state=*/false);
    auto service = token::makeTokenService(agent);
    std::cerr << fmt::format(fmt::runtime(_("Signing {0} with certificate {1} on token {2}…")),
                             in.string(), *args.value("--cert"), *args.value("--token"))
              << std::endl;
    signing::TokenSigner signer(*service, *args.value("--token"), cert_id,
                                pinCallback(args.value("--pin-env")),
                                readIfSet(agent.config().getString("renewal.ca_bundle")));
    pdf::SignOptions options;
    options.reason = args.value("--reason").value_or("");
    options.location = args.value("--location").value_or("");
    if (args.flag("--visible")) options.visible = pdf::VisibleSignature{};
    pdf::signPdf(in, out, signer, options);
    if (ctx.json_output)
        ctx.print({{"input", in.string()}, {"output", out.string()}, {"profile", "PAdES-B-B"}});
    else
        std::cout << fmt::format(fmt::runtime(_("Signed: {0}")), out.string()) << std::endl;
    return kOk;
}

}  // namespace
}  // namespace certagent::cli

CERTAGENT_CLI_COMMAND(sign, "sign", N_("sign a PDF (PAdES) with a certificate on a token"),
                      N_("sign FILE.pdf --token SERIAL --cert ID [--pin-env VAR] [-o OUT]"),
                      certagent::cli::runSign)
