// certagent-cli verify FILE.pdf | FILE.p7s [--data FILE] [--trust PEM] [--json]: checks each
// signature (integrity, signer, chain to the trust anchors, timestamp, qualified) and prints a
// report. Exit 0 only when every signature is valid and trusted.
#include <iostream>
#include <optional>

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/signing/report.hpp"
#include "command.hpp"

namespace certagent::cli {
namespace fs = std::filesystem;
namespace {

int runVerify(Context& ctx) {
    Args args(ctx.args, {"--data", "--trust"}, {});
    if (args.positionals().size() != 1)
        throw Error(ErrorKind::Usage, _("usage: certagent-cli verify FILE.pdf | FILE.p7s [--data "
                                        "FILE] [--trust PEM] [--json]"));
    fs::path file = args.positionals()[0];
    std::optional<fs::path> data;
    if (auto d = args.value("--data")) data = fs::path(*d);
    // Checked before anything is loaded: a wrong path is reported as such.
    auto input = signing::resolveVerifyInput(file, data);

    pdf::X509StorePtr store;
    if (auto trust = args.value("--trust")) {
        store = signing::makeTrustStore({*trust});
    } else {
        auto& agent = ctx.agent(/*open_state=*/false);
        store = signing::trustStoreFromConfig(agent.config(), agent.stateDir());
    }
    auto result = signing::verifyInput(input, store.get());
    if (ctx.json_output) {
        auto j = signing::toJson(result);
        j["file"] = file.string();
        ctx.print(j);
    } else {
        std::cout << signing::reportText(signing::reportView(file, result));
    }
    return result.allValid() ? kOk : kFailure;
}

}  // namespace
}  // namespace certagent::cli

CERTAGENT_CLI_COMMAND(verify, "verify",
                      N_("verify a signed PDF or a detached signature (.p7s) and its file"),
                      N_("verify FILE.pdf | FILE.p7s [--data FILE] [--trust PEM] [--json]"),
                      certagent::cli::runVerify,
                      {"--data", N_("FILE"),
                       N_("the signed file of a detached .p7s signature")},
                      {"--trust", "PEM",
                       N_("trust these CA certificates instead of the configured anchors")})
