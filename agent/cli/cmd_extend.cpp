// certagent-cli extend FILE.pdf --level B-LT|B-LTA [-o OUT]: adds the validation data of every
// signature (and with B-LTA a document timestamp) as an incremental update, so the signatures
// can still be checked after their certificates expire. In place unless -o is given.
#include <fmt/format.h>

#include <iostream>

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/signing/long_term.hpp"
#include "command.hpp"

namespace certagent::cli {
namespace {

int runExtend(Context& ctx) {
    Args args(ctx.args, {"--level", "-o", "--output"}, {"--force"});
    if (args.positionals().size() != 1 || !args.value("--level"))
        throw Error(ErrorKind::Usage,
                    _("usage: certagent-cli extend FILE.pdf --level B-LT|B-LTA [-o OUT] "
                      "[--force]"));
    const std::filesystem::path in = args.positionals()[0];
    const auto level = signing::parsePadesLevel(*args.value("--level"));
    std::filesystem::path out = args.value("-o").value_or(args.value("--output").value_or(""));
    std::error_code ec;
    if (out.empty()) out = in;
    if (!std::filesystem::is_regular_file(in, ec))
        throw Error(ErrorKind::InvalidInput, _("the file does not exist"), in.string());
    if (out != in && std::filesystem::exists(out, ec) && !args.flag("--force"))
        throw Error(ErrorKind::Usage,
                    _("the output file exists; choose another with -o or add --force"),
                    out.string());
    // The state store keeps the revocation cache and, for B-LTA, the quota.
    auto& agent = ctx.agent(/*open_state=*/level == signing::PadesLevel::BLTA);
    auto r = signing::extendDocument(agent, in, out, level);
    const std::string profile = std::string("PAdES-") + signing::padesLevelName(level);
    if (ctx.json_output)
        ctx.print({{"input", in.string()},
                   {"output", out.string()},
                   {"profile", profile},
                   {"signatures", r.signatures},
                   {"added",
                    {{"certificates", r.certificates},
                     {"ocsp_responses", r.ocsp_responses},
                     {"crls", r.crls}}},
                   {"document_timestamp", r.document_timestamp}});
    else
        std::cout << fmt::format(fmt::runtime(_("Extended to {0}: {1} ({2} signature(s); added "
                                                "{3} certificate(s), {4} OCSP answer(s), {5} "
                                                "revocation list(s))")),
                                 profile, out.string(), r.signatures, r.certificates,
                                 r.ocsp_responses, r.crls)
                  << std::endl;
    return kOk;
}

}  // namespace
}  // namespace certagent::cli

CERTAGENT_CLI_COMMAND(extend, "extend",
                      N_("add validation data (B-LT) and a document timestamp (B-LTA) to a signed "
                         "PDF"),
                      N_("extend FILE.pdf --level B-LT|B-LTA [-o OUT] [--force]"),
                      certagent::cli::runExtend,
                      {"--level", N_("LEVEL"),
                       N_("B-LT: the validation data of every signature in a DSS; B-LTA: and a "
                          "document timestamp from the timestamps plugin")},
                      {"-o, --output", N_("OUT"), N_("write here instead of changing FILE.pdf")},
                      {"--force", nullptr, N_("overwrite the output file if it exists")})
