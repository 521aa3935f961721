// certagent-cli renewals [--json]: the renewal journal, in progress and done.
#include <fmt/format.h>

#include <iostream>

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/renewal/journal.hpp"
#include "command.hpp"

namespace certagent::cli {
namespace {

int runRenewals(Context& ctx) {
    Args args(ctx.args, {}, {"--open"});
    auto& agent = ctx.agent();
    renewal::Journal journal(agent.store(), agent.clock());
    auto all = journal.list(args.flag("--open"));
    if (ctx.json_output) {
        json out = json::array();
        for (const auto& r : all)
            out.push_back(journal.load(r.id).value_or(r).toJson());
        ctx.print(out);
        return kOk;
    }
    if (all.empty()) {
        std::cout << _("No renewals yet.") << std::endl;
        return kOk;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& r : all)
        rows.push_back({r.id.substr(0, 8), r.token, r.certId, std::to_string(r.years),
                        renewal::stepName(r.step), renewal::stateName(r.state), r.caState,
                        r.newCertSerial.empty() ? "-" : r.newCertSerial.substr(0, 12),
                        r.updatedAt, r.message});
    printTable({_("ID"), _("TOKEN"), _("CERT"), _("YEARS"), _("STEP"), _("STATE"),
                _("CA STATE"), _("NEW SERIAL"), _("UPDATED"), _("MESSAGE")},
               rows);
    return kOk;
}

}  // namespace
}  // namespace certagent::cli

CERTAGENT_CLI_COMMAND(renewals, "renewals", N_("the renewal journal: in progress and done"),
                      N_("renewals [--open] [--json]"), certagent::cli::runRenewals,
                      {"--open", nullptr,
                       N_("only the renewals that are not finished")})
