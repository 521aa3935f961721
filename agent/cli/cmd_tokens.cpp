// certagent-cli tokens: slot, label, serial, manufacturer, model, plugin, module, pin state.
#include <fmt/format.h>

#include "certagent/core/i18n.hpp"
#include "certagent/core/token/agent_tokens.hpp"
#include "command.hpp"

namespace certagent::cli {
namespace {

int runTokens(Context& ctx) {
    Args args(ctx.args, {}, {"--modules"});
    auto& agent = ctx.agent(/*open_state=*/false);
    auto service = token::makeTokenService(agent);
    json list = json::array();
    std::vector<std::vector<std::string>> rows;
    for (const auto& t : service->tokens()) {
        const char* pin = token::pinStateName(t.userPin.state());
        list.push_back({{"slot", t.slotId},
                        {"label", t.label},
                        {"serial", t.serial},
                        {"manufacturer", t.manufacturer},
                        {"model", t.model},
                        {"plugin", t.plugin},
                        {"module", t.module.string()},
                        {"pin_state", pin}});
        rows.push_back({std::to_string(t.slotId), t.label, t.serial, t.manufacturer, t.model,
                        t.plugin, t.module.filename().string(), pin});
    }
    if (args.flag("--modules")) {
        // What was tried, including failures (a vendor module that does not load).
        json modules = json::array();
        for (const auto& m : service->modules())
            modules.push_back({{"path", m.spec.path.string()},
                               {"source", token::moduleSourceName(m.spec.source)},
                               {"plugin", m.spec.plugin},
                               {"loaded", m.loaded},
                               {"error", m.error}});
        if (ctx.json_output) {
            ctx.print({{"tokens", list}, {"modules", modules}});
            return kOk;
        }
        for (const auto& m : service->modules())
            fmt::print("{} [{}] {}\n", m.spec.path.string(), token::moduleSourceName(m.spec.source),
                       m.loaded ? std::string(_("loaded")) : m.error);
    }
    if (ctx.json_output) {
        ctx.print(list);
    } else if (rows.empty()) {
        fmt::print("{}\n", _("No token found. Insert your token; if it is not listed, install "
                             "its driver (see `certagent-cli tokens --modules`)."));
    } else {
        printTable({_("SLOT"), _("LABEL"), _("SERIAL"), _("MANUFACTURER"), _("MODEL"),
                    _("PLUGIN"), _("MODULE"), _("PIN STATE")},
                   rows);
    }
    return kOk;
}

}  // namespace
}  // namespace certagent::cli

CERTAGENT_CLI_COMMAND(tokens, "tokens",
                      N_("list tokens: slot, label, serial, manufacturer, model, plugin, module, "
                         "pin state"),
                      N_("tokens [--modules] [--json]"), certagent::cli::runTokens)
