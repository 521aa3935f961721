// certagent-cli sign FILE.pdf --token SERIAL --cert ID [--pin-env VAR] [-o OUT]: a PAdES
// baseline signature made with the key on the token.
// certagent-cli sign FILE --cades ... [-o FILE.p7s]: a detached CAdES signature of any file.
// --level B-LT|B-LTA adds validation data (and a document timestamp) after signing.
#include <fmt/format.h>
#include <iostream>

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/signing/sign_document.hpp"
#include "command.hpp"

namespace certagent::cli {
namespace {

int runSign(Context& ctx) {
    Args args(ctx.args, {"--token", "--cert", "--pin-env", "-o", "--output", "--reason",
                         "--location", "--level"},
              {"--visible", "--force", "--cades", "--timestamp"});
    if (args.positionals().size() != 1 || !args.value("--token") || !args.value("--cert"))
        throw Error(ErrorKind::Usage,
                    _("usage: certagent-cli sign FILE.pdf --token SERIAL --cert ID [--pin-env "
                      "VAR] [-o OUT] [--reason TEXT] [--location TEXT] [--visible] [--timestamp | "
                      "--level B-B|B-T|B-LT|B-LTA] "
                      "| sign FILE --cades --token SERIAL --cert ID [--pin-env VAR] [-o FILE.p7s] "
                      "[--timestamp]"));
    const bool cades = args.flag("--cades");
    if (cades && (args.flag("--visible") || args.value("--reason") || args.value("--location")))
        throw Error(ErrorKind::Usage,
                    _("--visible, --reason and --location are for PDF signatures, not --cades"));
    signing::SignDocumentRequest request;
    request.in = args.positionals()[0];
    request.out = args.value("-o").value_or(args.value("--output").value_or(""));
    request.token = *args.value("--token");
    request.certId = token::fromHex(*args.value("--cert"));
    request.cades = cades;
    request.timestamp = args.flag("--timestamp");
    if (auto level = args.value("--level")) request.level = signing::parsePadesLevel(*level);
    request.overwrite = args.flag("--force");
    request.pdf.reason = args.value("--reason").value_or("");
    request.pdf.location = args.value("--location").value_or("");
    if (args.flag("--visible")) request.pdf.visible = pdf::VisibleSignature{};

    // The state store keeps the timestamps' history.
    auto& agent = ctx.agent(/*open_state=*/request.timestamp || request.level);
    std::cerr << fmt::format(fmt::runtime(_("Signing {0} with certificate {1} on token {2}…")),
                             request.in.string(), *args.value("--cert"), request.token)
              << std::endl;
    auto result = signing::signDocument(agent, request, pinCallback(args.value("--pin-env")));
    if (ctx.json_output)
        ctx.print({{"input", request.in.string()},
                   {"output", result.out.string()},
                   {"profile", result.profile}});
    else
        std::cout << fmt::format(fmt::runtime(_("Signed: {0}")), result.out.string())
                  << std::endl;
    return kOk;
}

}  // namespace
}  // namespace certagent::cli

CERTAGENT_CLI_COMMAND(sign, "sign",
                      N_("sign a PDF (PAdES) or any file (--cades: detached .p7s) with a "
                         "certificate on a token"),
                      N_("sign FILE.pdf|FILE [--cades] --token SERIAL --cert ID [--pin-env VAR] "
                         "[-o OUT] [--timestamp | --level B-B|B-T|B-LT|B-LTA]"),
                      certagent::cli::runSign,
                      {"--token", N_("SERIAL"),
                       N_("the token that holds the key")},
                      {"--cert", "ID",
                       N_("the signing certificate (CKA_ID in hex, see certs)")},
                      certagent::cli::kPinEnvOption,
                      {"-o, --output", N_("OUT"),
                       N_("the signed file (default: NAME.signed.pdf, or FILE.p7s with --cades)")},
                      {"--cades", nullptr,
                       N_("a detached CAdES signature (.p7s) of any file instead of a PAdES PDF")},
                      {"--timestamp", nullptr,
                       N_("add an RFC 3161 timestamp from [timestamps] url to the signature")},
                      {"--level", N_("LEVEL"),
                       N_("the PAdES level: B-B, B-T (timestamped), B-LT (validation data in a "
                          "DSS), B-LTA (and a document timestamp)")},
                      {"--reason", N_("TEXT"),
                       N_("the signature's reason (PDF only)")},
                      {"--location", N_("TEXT"),
                       N_("the signature's location (PDF only)")},
                      {"--visible", nullptr,
                       N_("a visible signature box with the signer's name (PDF only)")},
                      {"--force", nullptr,
                       N_("overwrite the output file if it exists")})
