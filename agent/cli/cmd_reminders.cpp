// certagent-cli reminders [--now ISO8601] [--token SERIAL]: what is due and why. Reads the
// connected tokens (remembering what is on them, as the agent does) and lists every remembered
// certificate; it fires nothing, so the agent's reminders still come.
#include <fmt/format.h>

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"
#include "certagent/core/reminders/calendar.hpp"
#include "certagent/core/reminders/engine.hpp"
#include "certagent/core/reminders/service.hpp"
#include "certagent/core/reminders/text.hpp"
#include "certagent/core/token/types.hpp"
#include "command.hpp"

namespace certagent::cli {
namespace {

std::string thresholdCell(const std::optional<int>& t) {
    if (!t) return "-";
    return *t == reminders::kExpired ? std::string(_("expired")) : std::to_string(*t);
}

int runReminders(Context& ctx) {
    Args args(ctx.args, {"--now", "--token"}, {});
    auto& agent = ctx.agent(/*open_state=*/true);
    const auto now = args.value("--now") ? parseIso8601(*args.value("--now")) : agent.clock().now();
    reminders::ReminderEngine engine(
        agent.store(), agent.clock(),
        reminders::normalizeThresholds(agent.config().getInts("reminders.days_before")));
    try {
        engine.rememberAll(reminders::makeTokenReader(agent)->readAll());
    } catch (const Error& e) {
        log::warn("reminders", "could not read the tokens: {}", describe(e));
    }
    const auto token = args.value("--token");
    const auto list = engine.list(now, token);

    if (ctx.json_output) {
        json out = json::array();
        for (const auto& s : list) out.push_back(reminders::statusJson(s, now));
        ctx.print(out);
        return kOk;
    }
    if (list.empty()) {
        fmt::print("{}\n", _("No certificates seen yet: connect a token and run this again."));
        return kOk;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& s : list) {
        const auto& r = s.record;
        rows.push_back({r.tokenSerial, r.cert.idHex,
                        r.cert.commonName.empty() ? r.cert.subject : r.cert.commonName,
                        reminders::formatLocal(r.cert.notAfter), std::to_string(s.daysLeft),
                        thresholdCell(s.threshold), reminders::stateName(s.state),
                        reminders::explainStatus(s, now)});
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
