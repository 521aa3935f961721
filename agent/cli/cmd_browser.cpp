// certagent-cli browser register|unregister|status: portal login with the token in Chromium
// and Firefox (docs/tokens.md, "Portal login in the browser").
#include <fmt/format.h>
#include <iostream>

#include "certagent/core/browser/registration.hpp"
#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/paths.hpp"
#include "certagent/core/token/agent_tokens.hpp"
#include "command.hpp"

namespace certagent::cli {
namespace {

void printChanges(Context& ctx, const std::vector<browser::Change>& changes) {
    if (ctx.json_output) {
        json list = json::array();
        for (const auto& c : changes) list.push_back(browser::changeJson(c));
        ctx.print(list);
        return;
    }
    fmt::print("{}", browser::changesText(changes));
}

int runBrowser(Context& ctx) {
    Args args(ctx.args, {"--token", "--via", "--nssdb"}, {});
    const auto& pos = args.positionals();
    if (pos.size() != 1 || (pos[0] != "register" && pos[0] != "unregister" && pos[0] != "status"))
        throw Error(ErrorKind::Usage,
                    _("usage: certagent-cli browser register|unregister|status [--token SERIAL] "
                      "[--via nss|p11-kit] [--nssdb DIR]"));
    const auto via = args.value("--via").value_or("nss");
    if (via != "nss" && via != "p11-kit") throw Error(ErrorKind::Usage, _("--via is nss or p11-kit"));
    std::vector<browser::NssDatabase> databases;
    if (auto dir = args.value("--nssdb")) {
        auto path = std::filesystem::absolute(std::filesystem::u8path(*dir));
        if (!std::filesystem::exists(path / "cert9.db"))
            throw Error(ErrorKind::InvalidInput,
                        _("Not an NSS database folder (no cert9.db); create one with certutil -N "
                          "or start the program that uses it once"),
                        path.string());
        databases.push_back({path, "other", ""});
    }

    auto& agent = ctx.agent(/*open_state=*/true);
    browser::Registration registration(agent.store(), browser::NssTools(), paths::homeDir());
    if (pos[0] == "unregister") {
        auto changes = registration.unregister();
        if (changes.empty() && !ctx.json_output)
            fmt::print("{}\n", _("Nothing to undo: certagent has registered nothing in the "
                                 "browsers."));
        else
            printChanges(ctx, changes);
        return kOk;
    }
    auto service = token::makeTokenService(agent);
    if (pos[0] == "status") {
        auto status = registration.status(service.get(), databases);
        if (ctx.json_output) {
            ctx.print(status);
            return kOk;
        }
        fmt::print("{}", browser::statusText(status));
        return kOk;
    }
    browser::RegisterOptions options;
    options.tokenSerial = args.value("--token");
    options.viaP11Kit = via == "p11-kit";
    options.databases = databases;
    options.caCertificates =
        browser::readPemCertificates(agent.config().getStrings("browser.ca_certificates"));
    auto changes = registration.registerTokens(*service, options);
    printChanges(ctx, changes);
    if (!ctx.json_output)
        fmt::print("{}\n", _("Restart the browser so it loads the token. `certagent-cli browser "
                             "unregister` undoes exactly these changes."));
    return kOk;
}

}  // namespace
}  // namespace certagent::cli

CERTAGENT_CLI_COMMAND(browser, "browser",
                      N_("register the token in Chromium's and Firefox's certificate databases "
                         "for portal login, undo it, or show what is registered where"),
                      N_("browser register|unregister|status [--token SERIAL] [--via nss|p11-kit] "
                         "[--nssdb DIR]"),
                      certagent::cli::runBrowser,
                      {"--token", N_("SERIAL"),
                       N_("only this token (default: every connected token)")},
                      {"--via", "nss|p11-kit",
                       N_("the token's own module in NSS (nss, the default) or p11-kit's proxy "
                          "module")},
                      {"--nssdb", N_("DIR"),
                       N_("this NSS database instead of Chromium's and every Firefox profile's")})
