// certagent-cli timestamp: RFC 3161 timestamps (docs/timestamps.md), done by the timestamps flow
// plugin (ctx.runFlow); this command parses the arguments and prints the plugin's answers.
//   timestamp FILE [--force]            FILE.tsr next to FILE, recorded in the history
//   timestamp FILE --verify [--tsr P]   FILE against FILE.tsr (or P)
//   timestamp --quota [--token SERIAL --cert ID [--pin-env VAR]]
//                                       the cached quota, or the CA's answer when a login
//                                       certificate is given (then cached)
//   timestamp --history [--limit N]
#include <fmt/format.h>

#include <iostream>

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/json_text.hpp"
#include "command.hpp"

namespace certagent::cli {
namespace fs = std::filesystem;
namespace {

constexpr const char* kUsage =
    N_("usage: certagent-cli timestamp FILE [--force] | FILE --verify [--tsr FILE.tsr] | "
       "--quota [--token SERIAL --cert ID [--pin-env VAR]] | --history [--limit N]");
constexpr const char* kPlugin = "timestamps";

int runQuota(Context& ctx, const Args& args) {
    json request = json::object();
    if (args.value("--token") || args.value("--cert")) {
        if (!args.value("--token") || !args.value("--cert"))
            throw Error(ErrorKind::Usage, _(kUsage));
        request = {{"token", *args.value("--token")}, {"cert", *args.value("--cert")}};
        ctx.allowQuestions(args.value("--pin-env"), false);  // the login for the portal
    }
    auto quota = ctx.runFlow(kPlugin, "quota", request);
    const bool known = quota.value("known", false);
    if (ctx.json_output) {
        // The tray's labels stay out of the command's output.
        for (const char* key : {"label", "title", "action_label", "low"}) quota.erase(key);
        ctx.print(quota);
        return kOk;
    }
    if (!known) {
        std::cout << _("The timestamp quota is not known yet: run `certagent-cli timestamp "
                       "--quota --token SERIAL --cert ID` or make a timestamp.")
                  << std::endl;
        return kOk;
    }
    const auto remaining = quota.value("remaining", 0LL);
    std::cout << fmt::format(fmt::runtime(_("Timestamps left: {0}")), remaining);
    if (quota.contains("total") && quota["total"].is_number_integer())
        std::cout << fmt::format(fmt::runtime(_(" of {0}")), quota["total"].get<long long>());
    std::cout << fmt::format(fmt::runtime(_(" (as of {0}, from the {1})")),
                             jsonText(quota, "as_of"),
                             jsonText(quota, "source") == "portal" ? _("CA's portal") : _("TSA"))
              << std::endl;
    if (remaining < quota.value("low_quota", 0LL))
        std::cout << _("Few timestamps are left: buy more from your CA (\"Mărci temporale\").")
                  << std::endl;
    return kOk;
}

int runHistory(Context& ctx, const Args& args) {
    int limit = std::stoi(args.value("--limit").value_or("50"));
    auto items = ctx.runFlow(kPlugin, "history", {{"limit", limit}}).value("items", json::array());
    if (ctx.json_output) {
        ctx.print({{"items", items}});
        return kOk;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& e : items)
        rows.push_back(
            {jsonText(e, "time"), jsonText(e, "kind"), jsonText(e, "file"),
             jsonText(e, "tsa_serial"),
             jsonText(e, "hash_algorithm") + ":" + jsonText(e, "hash").substr(0, 16) + "…"});
    printTable({_("time"), _("kind"), _("file"), _("TSA serial"), _("hash")}, rows);
    return kOk;
}

int runVerify(Context& ctx, const fs::path& file, const Args& args) {
    ctx.agent(/*open_state=*/false);  // a check: nothing of the agent's state is needed
    json request = {{"path", file.string()}};
    if (auto tsr = args.value("--tsr")) request["tsr"] = *tsr;
    auto info = ctx.runFlow(kPlugin, "verify", request);
    if (ctx.json_output) {
        ctx.print(info);
        return kOk;
    }
    std::cout << fmt::format(fmt::runtime(_("Valid timestamp: {0} existed at {1} (TSA {2}, "
                                            "serial {3})")),
                             file.string(), jsonText(info, "time"), jsonText(info, "tsa"),
                             jsonText(info, "tsa_serial"))
              << std::endl;
    return kOk;
}

int runStamp(Context& ctx, const fs::path& file, const Args& args) {
    // A client certificate on the token (an https:// TSA) asks for the PIN.
    ctx.allowQuestions(args.value("--pin-env"), false);
    std::cerr << fmt::format(fmt::runtime(_("Requesting a timestamp for {0} from {1}…")),
                             file.string(), ctx.config().getString("timestamps.url"))
              << std::endl;
    auto result = ctx.runFlow(kPlugin, "stamp-file",
                              {{"path", file.string()}, {"overwrite", args.flag("--force")}});
    if (ctx.json_output) {
        result.erase("message");  // the tray's line
        ctx.print(result);
        return kOk;
    }
    std::cout << fmt::format(fmt::runtime(_("Timestamp saved: {0} (time {1}, TSA serial {2})")),
                             jsonText(result, "tsr"), jsonText(result, "time"),
                             jsonText(result, "tsa_serial"))
              << std::endl;
    if (result.contains("quota_remaining") && result["quota_remaining"].is_number_integer())
        std::cout << fmt::format(fmt::runtime(_("Timestamps left: {0}")),
                                 result["quota_remaining"].get<long long>())
                  << std::endl;
    return kOk;
}

int runTimestamp(Context& ctx) {
    Args args(ctx.args, {"--tsr", "--token", "--cert", "--pin-env", "--limit"},
              {"--verify", "--quota", "--history", "--force"});
    if (args.flag("--quota")) {
        if (!args.positionals().empty()) throw Error(ErrorKind::Usage, _(kUsage));
        return runQuota(ctx, args);
    }
    if (args.flag("--history")) return runHistory(ctx, args);
    if (args.positionals().size() != 1) throw Error(ErrorKind::Usage, _(kUsage));
    fs::path file = args.positionals()[0];
    if (args.flag("--verify")) return runVerify(ctx, file, args);
    return runStamp(ctx, file, args);
}

}  // namespace
}  // namespace certagent::cli

CERTAGENT_CLI_COMMAND(timestamp, "timestamp",
                      N_("RFC 3161 timestamps: make (FILE.tsr), verify, quota, history"),
                      N_("timestamp FILE [--force] | FILE --verify [--tsr FILE.tsr] | --quota "
                         "[--token SERIAL --cert ID] | --history"),
                      certagent::cli::runTimestamp,
                      {"--force", nullptr,
                       N_("replace an existing FILE.tsr")},
                      {"--verify", nullptr,
                       N_("check FILE against its timestamp instead of making one")},
                      {"--tsr", N_("FILE.tsr"),
                       N_("the timestamp to check (default: FILE.tsr)")},
                      {"--quota", nullptr,
                       N_("the timestamps left: the last known count, or the portal's with --token "
                          "and --cert")},
                      {"--history", nullptr,
                       N_("the timestamps made on this computer")},
                      {"--limit", "N",
                       N_("at most N entries of --history (default: 50)")},
                      {"--token", N_("SERIAL"),
                       N_("ask the portal for --quota, logging in with this token (with --cert)")},
                      {"--cert", "ID",
                       N_("the certificate for that login (CKA_ID in hex, with --token)")},
                      certagent::cli::kPinEnvOption)
