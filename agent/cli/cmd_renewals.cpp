// certagent-cli renewals [--open] [--json]: the renewal journal (the renewal plugin's), in
// progress and done.
#include <fmt/format.h>

#include <iostream>

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/json_text.hpp"
#include "command.hpp"

namespace certagent::cli {
namespace {

int runRenewals(Context& ctx) {
    Args args(ctx.args, {}, {"--open"});
    auto all = ctx.runFlow("renewal", "list", {{"open", args.flag("--open")}});
    if (ctx.json_output) {
        ctx.print(all);
        return kOk;
    }
    if (all.empty()) {
        std::cout << _("No renewals yet.") << std::endl;
        return kOk;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& r : all) {
        auto phase = jsonText(r, "phase");
        auto step =
            jsonText(r, "step") == "request" && !phase.empty() ? phase : jsonText(r, "step");
        auto serial = jsonText(r, "new_cert_serial");
        rows.push_back({jsonText(r, "id").substr(0, 8), jsonText(r, "token"), jsonText(r, "cert"),
                        std::to_string(r.value("years", 0)), step, jsonText(r, "state"),
                        jsonText(r, "ca_state"), serial.empty() ? "-" : serial.substr(0, 12),
                        jsonText(r, "updated_at"), jsonText(r, "message")});
    }
    printTable({_("ID"), _("TOKEN"), _("CERT"), _("YEARS"), _("STEP"), _("STATE"), _("CA STATE"),
                _("NEW SERIAL"), _("UPDATED"), _("MESSAGE")},
               rows);
    return kOk;
}

}  // namespace
}  // namespace certagent::cli

CERTAGENT_CLI_COMMAND(renewals, "renewals", N_("the renewal journal: in progress and done"),
                      N_("renewals [--open] [--json]"), certagent::cli::runRenewals,
                      {"--open", nullptr,
                       N_("only the renewals that are not finished")})
