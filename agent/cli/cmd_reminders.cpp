// certagent-cli reminders [--now ISO8601] [--token SERIAL]: what is due and why. Asks the
// expiry-reminders plugin ("status" action), which reads the connected tokens (remembering what
// is on them, as the agent does) and lists every remembered certificate; it fires nothing, so
// the agent's reminders still come.
#include <fmt/format.h>

#include "certagent/core/clock.hpp"
#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "command.hpp"

namespace certagent::cli {
namespace {

std::string cell(const json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return "-";
    return it->is_string() ? it->get<std::string>() : it->dump();
}

int runReminders(Context& ctx) {
    Args args(ctx.args, {"--now", "--token"}, {});
    json request = json::object();
    // Checked here, so a bad value is a usage error before any plugin loads.
    if (auto now = args.value("--now")) request["now"] = toIso8601(parseIso8601(*now));
    if (auto token = args.value("--token")) request["token"] = *token;
    ctx.agent(/*open_state=*/true);
    const auto list =
        ctx.runFlow("expiry-reminders", "status", request).value("reminders", json::array());
    if (ctx.json_output) {
        json out = json::array();
        for (auto r : list) {
            r.erase("menu_label");
            out.push_back(std::move(r));
        }
        ctx.print(out);
        return kOk;
    }
    if (list.empty()) {
        fmt::print("{}\n", _("No certificates seen yet: connect a token and run this again."));
        return kOk;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& r : list) {
        auto name = cell(r, "common_name");
        auto threshold = cell(r, "threshold");
        rows.push_back({cell(r, "token"), cell(r, "cert"),
                        name == "-" || name.empty() ? cell(r, "subject") : name,
                        cell(r, "not_after_local"), cell(r, "days_left"),
                        threshold == "expired" ? std::string(_("expired")) : threshold,
                        cell(r, "state"), cell(r, "why")});
    }
    printTable({_("TOKEN"), _("ID"), _("SUBJECT"), _("EXPIRES"), _("DAYS"), _("THRESHOLD"),
                _("STATE"), _("WHY")},
               rows);
    return kOk;
}

}  // namespace
}  // namespace certagent::cli

CERTAGENT_CLI_COMMAND(reminders, "reminders",
                      N_("list remembered certificates: which reminder is due and why"),
                      N_("reminders [--now ISO8601] [--token SERIAL] [--json]"),
                      certagent::cli::runReminders,
                      {"--now", "ISO8601",
                       N_("what is due at this time instead of now (e.g. 2026-12-01T09:00:00Z)")},
                      {"--token", N_("SERIAL"),
                       N_("only the certificates of this token")})
