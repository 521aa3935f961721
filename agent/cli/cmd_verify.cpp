// certagent-cli verify FILE.pdf | FILE.p7s [--data FILE] [--trust PEM] [--offline] [--json]:
// checks each signature (integrity, signer, chain to the trust anchors, revocation, timestamp,
// changes after signing, qualified) and prints a report led by the ETSI EN 319 102-1 verdict.
// Exit 0 only when every signature is TOTAL-PASSED.
#include <iostream>
#include <optional>

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/paths.hpp"
#include "certagent/core/signing/report.hpp"
#include "command.hpp"

namespace certagent::cli {
namespace fs = std::filesystem;
namespace {

int runVerify(Context& ctx) {
    Args args(ctx.args, {"--data", "--trust"}, {"--offline"});
    if (args.positionals().size() != 1)
        throw Error(ErrorKind::Usage, _("usage: certagent-cli verify FILE.pdf | FILE.p7s [--data "
                                        "FILE] [--trust PEM] [--offline] [--json]"));
    fs::path file = args.positionals()[0];
    std::optional<fs::path> data;
    if (auto d = args.value("--data")) data = fs::path(*d);
    // Checked before anything is loaded: a wrong path is reported as such.
    auto input = signing::resolveVerifyInput(file, data);

    // The configuration and the state folder (revocation cache, trusted lists), without
    // loading plugins: verifying needs none.
    const auto& config = ctx.config();
    const auto state_dir = paths::stateDir(ctx.state_dir);
    pdf::X509StorePtr store = args.value("--trust")
                                  ? signing::makeTrustStore({*args.value("--trust")})
                                  : signing::trustStoreFromConfig(config, state_dir);
    auto settings = signing::revocationSettingsFrom(config, state_dir);
    if (args.flag("--offline")) settings.online = false;
    signing::RevocationChecker revocation(settings);
    auto result = signing::verifyInput(input, store.get(), &revocation);
    if (ctx.json_output) {
        auto j = signing::toJson(result);
        j["file"] = file.string();
        ctx.print(j);
    } else {
        std::cout << signing::reportText(signing::reportView(file, result));
    }
    // 0 only for TOTAL-PASSED; TOTAL-FAILED and INDETERMINATE both give 1 (the verdict line
    // and --json say which, and why).
    return result.allValid() ? kOk : kFailure;
}

}  // namespace
}  // namespace certagent::cli

CERTAGENT_CLI_COMMAND(verify, "verify",
                      N_("verify a signed PDF or a detached signature (.p7s) and its file"),
                      N_("verify FILE.pdf | FILE.p7s [--data FILE] [--trust PEM] [--offline] "
                         "[--json]"),
                      certagent::cli::runVerify,
                      {"--data", N_("FILE"),
                       N_("the signed file of a detached .p7s signature")},
                      {"--trust", "PEM",
                       N_("trust these CA certificates instead of the configured anchors")},
                      {"--offline", nullptr,
                       N_("check revocation only with the evidence in the document and the "
                          "revocation cache; ask no server")})
