// certagent-cli certs [--token SERIAL]: every certificate on the tokens, parsed.
#include <fmt/format.h>

#include "certagent/core/i18n.hpp"
#include "certagent/core/token/agent_tokens.hpp"
#include "command.hpp"

namespace certagent::cli {
namespace {

int runCerts(Context& ctx) {
    Args args(ctx.args, {"--token"}, {});
    auto& agent = ctx.agent(/*open_state=*/false);
    auto service = token::makeTokenService(agent);
    const auto serial = args.value("--token");
    const auto now = agent.clock().now();
    const int expiring = service->options().expiringWithinDays;

    json list = json::array();
    std::vector<std::vector<std::string>> rows;
    for (const auto& c : service->certificates(serial)) {
        json j = {{"token", c.tokenSerial},
                  {"id", token::toHex(c.id)},
                  {"label", c.label},
                  {"has_private_key", c.privateKey == token::KeyPresence::UnknownUntilLogin
                                          ? json(nullptr)
                                          : json(c.privateKey == token::KeyPresence::Present)}};
        if (!c.info) {
            // A malformed object: listed with its id and the reason, nothing invented.
            for (const char* k : {"subject", "issuer", "serial", "not_before", "not_after",
                                  "days_left", "qualified", "status"})
                j[k] = nullptr;
            j["error"] = c.error;
            list.push_back(std::move(j));
            rows.push_back({c.tokenSerial, token::toHex(c.id), c.label, c.error, "", "", "", "",
                            token::keyPresenceText(c.privateKey)});
            continue;
        }
        const auto& i = *c.info;
        const char* status = token::certStatusName(i.status(now, expiring));
        const long days = i.daysLeft(now);
        j["subject"] = i.subject;
        j["issuer"] = i.issuer;
        j["serial"] = i.serialHex;
        j["not_before"] = token::isoUtc(i.notBefore);
        j["not_after"] = i.notAfterText();
        j["days_left"] = i.noExpiry ? json(nullptr) : json(days);
        j["no_expiry"] = i.noExpiry;
        j["qualified"] = i.qualified;
        j["status"] = status;
        list.push_back(std::move(j));
        rows.push_back({c.tokenSerial, token::toHex(c.id), c.label, i.subject,
                        i.noExpiry ? std::string(_("no expiry")) : token::isoUtc(i.notAfter),
                        i.noExpiry ? std::string() : std::to_string(days),
                        i.qualified ? _("yes") : _("no"), status,
                        token::keyPresenceText(c.privateKey)});
    }
    if (ctx.json_output) {
        ctx.print(list);
    } else if (rows.empty()) {
        fmt::print("{}\n", serial ? _("No certificates on that token (or it is not connected).")
                                  : _("No certificates found."));
    } else {
        printTable({_("TOKEN"), _("ID"), _("LABEL"), _("SUBJECT"), _("NOT AFTER"), _("DAYS"),
                    _("QUALIFIED"), _("STATUS"), _("PRIVATE KEY")},
                   rows);
    }
    return kOk;
}

}  // namespace
}  // namespace certagent::cli

CERTAGENT_CLI_COMMAND(certs, "certs",
                      N_("list certificates on tokens: id, subject, issuer, validity, qualified, "
                         "status"),
                      N_("certs [--token SERIAL] [--json]"), certagent::cli::runCerts)
