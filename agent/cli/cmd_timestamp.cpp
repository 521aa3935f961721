// certagent-cli timestamp: RFC 3161 timestamps (docs/timestamps.md).
//   timestamp FILE [--force]            FILE.tsr next to FILE, recorded in the history
//   timestamp FILE --verify [--tsr P]   FILE against FILE.tsr (or P)
//   timestamp --quota [--token SERIAL --cert ID [--pin-env VAR]]
//                                       the cached quota, or the CA's answer when a login
//                                       certificate is given (then cached)
//   timestamp --history [--limit N]
#include <fmt/format.h>

#include <iostream>
#include <memory>

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/signing/token_signer.hpp"
#include "certagent/core/token/agent_tokens.hpp"
#include "certagent/core/tsa/client.hpp"
#include "certagent/core/tsa/quota.hpp"
#include "certagent/core/tsa/service.hpp"
#include "certagent/core/tsa/verify.hpp"
#include "command.hpp"

namespace certagent::cli {
namespace fs = std::filesystem;
namespace {

constexpr const char* kUsage =
    N_("usage: certagent-cli timestamp FILE [--force] | FILE --verify [--tsr FILE.tsr] | "
       "--quota [--token SERIAL --cert ID [--pin-env VAR]] | --history [--limit N]");

// A TokenSigner (login once) for TLS client authentication, when asked for.
struct ClientIdentity {
    std::unique_ptr<token::TokenService> service;
    std::unique_ptr<signing::TokenSigner> signer;
};

ClientIdentity openIdentity(Agent& agent, const std::string& serial, const std::string& cert_hex,
                            const std::optional<std::string>& pin_env) {
    ClientIdentity id;
    id.service = token::makeTokenService(agent);
    id.signer = std::make_unique<signing::TokenSigner>(
        *id.service, serial, token::fromHex(cert_hex), pinCallback(pin_env));
    return id;
}

int runQuota(Context& ctx, const Args& args) {
    auto& agent = ctx.agent();
    tsa::QuotaCache cache(agent.store());
    std::optional<tsa::Quota> quota;
    if (args.value("--token") || args.value("--cert")) {
        if (!args.value("--token") || !args.value("--cert"))
            throw Error(ErrorKind::Usage, _(kUsage));
        auto id = openIdentity(agent, *args.value("--token"), *args.value("--cert"),
                               args.value("--pin-env"));
        const auto& cfg = agent.config();
        quota = tsa::fetchPortalQuota(cfg.getString("renewal.portal_url"),
                                      cfg.getString("renewal.ca_bundle"), id.signer->certificate(),
                                      id.signer->privateKey(),
                                      std::chrono::system_clock::to_time_t(agent.clock().now()));
        cache.update(*quota, cfg.getInt("timestamps.low_quota"), agent.notifier());
    } else {
        quota = cache.load();
    }
    if (ctx.json_output) {
        json j = quota ? tsa::toJson(*quota) : json::object();
        j["known"] = quota.has_value();
        j["low_quota"] = agent.config().getInt("timestamps.low_quota");
        ctx.print(j);
        return kOk;
    }
    if (!quota) {
        std::cout << _("The timestamp quota is not known yet: run `certagent-cli timestamp "
                       "--quota --token SERIAL --cert ID` or make a timestamp.")
                  << std::endl;
        return kOk;
    }
    std::cout << fmt::format(fmt::runtime(_("Timestamps left: {0}")), quota->remaining);
    if (quota->total) std::cout << fmt::format(fmt::runtime(_(" of {0}")), *quota->total);
    std::cout << fmt::format(fmt::runtime(_(" (as of {0}, from the {1})")), quota->asOf,
                             quota->source == "portal" ? _("CA's portal") : _("TSA"))
              << std::endl;
    if (quota->remaining < agent.config().getInt("timestamps.low_quota"))
        std::cout << _("Few timestamps are left: buy more from your CA (\"Mărci temporale\").")
                  << std::endl;
    return kOk;
}

int runHistory(Context& ctx, const Args& args) {
    auto& agent = ctx.agent();
    tsa::History history(agent.store());
    int limit = std::stoi(args.value("--limit").value_or("50"));
    auto items = history.list(limit);
    if (ctx.json_output) {
        json j = json::array();
        for (const auto& e : items) j.push_back(tsa::toJson(e));
        ctx.print({{"items", j}});
        return kOk;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& e : items)
        rows.push_back({e.genTime, e.kind, e.file, e.tsaSerial,
                        e.hashAlgorithm + ":" + e.hashHex.substr(0, 16) + "…"});
    printTable({_("time"), _("kind"), _("file"), _("TSA serial"), _("hash")}, rows);
    return kOk;
}

int runVerify(Context& ctx, const fs::path& file, const Args& args) {
    auto& agent = ctx.agent(/*open_state=*/false);
    fs::path tsr = args.value("--tsr").value_or(tsa::tsrPathFor(file).string());
    auto anchors = agent.config().getString("timestamps.ca_bundle");
    auto info = tsa::verifyFile(file, tsr, anchors);
    if (ctx.json_output) {
        ctx.print({{"file", file.string()},
                   {"tsr", tsr.string()},
                   {"valid", true},
                   {"time", info.genTime},
                   {"tsa_serial", info.serialHex},
                   {"tsa", info.tsaSubject},
                   {"policy", info.policyOid},
                   {"hash_algorithm", info.hashAlgorithm}});
        return kOk;
    }
    std::cout << fmt::format(fmt::runtime(_("Valid timestamp: {0} existed at {1} (TSA {2}, "
                                            "serial {3})")),
                             file.string(), info.genTime, info.tsaSubject, info.serialHex)
              << std::endl;
    return kOk;
}

int runStamp(Context& ctx, const fs::path& file, const Args& args) {
    auto& agent = ctx.agent();
    auto settings = tsa::settingsFrom(agent.config());
    ClientIdentity id;
    const auto client_token = agent.config().getString("timestamps.client_token");
    if (!client_token.empty() && settings.url.rfind("https://", 0) == 0) {
        id = openIdentity(agent, client_token, agent.config().getString("timestamps.client_cert"),
                          args.value("--pin-env"));
        settings.clientCert = id.signer->certificate();
        settings.clientKey = id.signer->privateKey();
    }
    tsa::TsaClient client(settings);
    std::cerr << fmt::format(fmt::runtime(_("Requesting a timestamp for {0} from {1}…")),
                             file.string(), settings.url)
              << std::endl;
    auto result = tsa::stampFile(agent, client, file, args.flag("--force"));
    if (ctx.json_output) {
        ctx.print(tsa::toJson(result));
        return kOk;
    }
    std::cout << fmt::format(fmt::runtime(_("Timestamp saved: {0} (time {1}, TSA serial {2})")),
                             result.tsr.string(), result.timestamp.info.genTime,
                             result.timestamp.info.serialHex)
              << std::endl;
    if (result.timestamp.quotaRemaining)
        std::cout << fmt::format(fmt::runtime(_("Timestamps left: {0}")),
                                 *result.timestamp.quotaRemaining)
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
                      {"--pin-env", N_("VAR"),
                       N_("read the PIN from this environment variable")})
