// certagent-cli plugins: name, kind, version, abi, file of every loaded plugin.
#include <fmt/format.h>

#include "certagent/core/i18n.hpp"
#include "command.hpp"

namespace certagent::cli {
namespace {

int runPlugins(Context& ctx) {
    Args args(ctx.args, {}, {"--all"});
    auto& agent = ctx.agent(/*open_state=*/false);
    json list = json::array();
    std::vector<std::vector<std::string>> rows;
    for (const auto& p : agent.plugins().plugins()) {
        const auto& i = p->info();
        auto abi = fmt::format("{}.{}", i.abi_major, i.abi_minor);
        list.push_back({{"name", i.name},
                        {"kind", i.kind},
                        {"version", i.version},
                        {"abi", abi},
                        {"file", i.file.string()},
                        {"description", i.description},
                        {"status", "loaded"}});
        rows.push_back({i.name, i.kind, i.version, abi, i.file.string()});
    }
    if (args.flag("--all")) {
        for (const auto& s : agent.plugins().skipped()) {
            list.push_back({{"file", s.file.string()}, {"status", "skipped"}, {"reason", s.reason}});
            rows.push_back({"-", "-", "-", "-", s.file.string() + " (" + s.reason + ")"});
        }
    }
    if (ctx.json_output) {
        ctx.print(list);
    } else if (rows.empty()) {
        fmt::print("{}\n", _("No plugins found."));
    } else {
        printTable({_("NAME"), _("KIND"), _("VERSION"), _("ABI"), _("FILE")}, rows);
    }
    return kOk;
}

}  // namespace
}  // namespace certagent::cli

CERTAGENT_CLI_COMMAND(plugins, "plugins", N_("list plugins: name, kind, version, abi, file"),
                      N_("plugins [--all]"), certagent::cli::runPlugins,
                      {"--all", nullptr,
                       N_("also list the files that were skipped, and why")})
