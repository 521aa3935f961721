// certagent-cli renew --token SERIAL --cert ID [--years 1|2|3] [--id-document FILE.pdf]
//   [--pin-env VAR] [--yes] [--remove-old|--keep-old]: runs or resumes the renewal of one
//   certificate through the renewal
// plugin (plugins/flows/renewal); progress on stderr from its RenewalProgress events; exit 0
// once the new certificate is installed and verified.
#include <fmt/format.h>


#include <iostream>
#include <mutex>
#include <optional>
#include <vector>

#include "certagent/core/error.hpp"
#include "certagent/core/events.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/json_text.hpp"
#include "certagent/core/platform/system.hpp"
#include "command.hpp"

namespace certagent::cli {
namespace {

constexpr const char* kPlugin = "renewal";

std::string whatNext(const json& r) {
    const auto c = jsonText(r, "code");
    if (c == "pin_incorrect" || c == "pin_locked" || c == "cancelled")
        return _("Run the same command again with the right PIN.");
    if (c == "token_removed")
        return _("Plug the token in and run the same command again; nothing is lost.");
    if (c == "network")
        return _(
            "Check the Internet connection and run the same command again; nothing is "
            "submitted or paid twice.");
    if (c == "RESPINSA")
        return _(
            "Read the reason above and contact the certification authority before "
            "starting a new request.");
    if (c == "CLIENT_CERT_EXPIRED" || c == "CLIENT_CERT_REVOKED")
        return _("Apply for a new certificate at your certification authority.");
    if (c == "ID_DOCUMENT_MISSING" || c == "NOT_A_PDF" || c == "PAYLOAD_TOO_LARGE")
        return _(
            "Give the scanned identity card with --id-document FILE.pdf and run the "
            "command again.");
    if (jsonText(r, "state") == "failed")
        return _(
            "Contact your certification authority with the renewal's id (certagent-cli "
            "renewals).");
    return _(
        "Fix the problem above and run the same command again: the renewal resumes where "
        "it stopped.");
}

bool isFinal(const json& r) {
    auto s = jsonText(r, "state");
    return s == "done" || s == "failed" || s == "cancelled";
}

// A renewal's full record from its id or a unique prefix of it (`renewals` shows 8
// characters).
json findRenewal(Context& ctx, const std::string& given) {
    std::vector<json> found;
    for (const auto& r : ctx.runFlow(kPlugin, "list", json::object()))
        if (!given.empty() && jsonText(r, "id").rfind(given, 0) == 0) found.push_back(r);
    if (found.empty())
        throw Error(ErrorKind::Usage, _("no renewal has this id (see certagent-cli renewals)"),
                    given);
    if (found.size() > 1)
        throw Error(ErrorKind::Usage, _("several renewals start with this id; give more of it"),
                    given);
    return found.front();
}

// renew --cancel ID: abandons a renewal that is not finished. At the CA while the request can
// still be cancelled there (before payment), and on the token: its new key pair, if made.
int cancelRenewal(Context& ctx, Args& args) {
    auto before = findRenewal(ctx, *args.value("--cancel"));
    if (isFinal(before)) {
        if (ctx.json_output)
            ctx.print(before);
        else
            std::cout << fmt::format(fmt::runtime(_("Renewal {0} had already ended ({1}); "
                                                    "nothing was changed.")),
                                     jsonText(before, "id"), jsonText(before, "state"))
                      << std::endl;
        return kFailure;
    }
    ctx.allowQuestions(args.value("--pin-env"), false);
    auto r = ctx.runFlow(kPlugin, "cancel", {{"id", jsonText(before, "id")}});
    if (ctx.json_output)
        ctx.print(r);
    else
        std::cout << fmt::format(fmt::runtime(_("Renewal {0} is cancelled.")), jsonText(r, "id"))
                  << std::endl;
    return jsonText(r, "state") == "cancelled" ? kOk : kFailure;
}

// What became of the old certificate, in one sentence (nothing when no offer was made).
std::string oldCertificateText(const json& r) {
    const auto old = jsonText(r, "old_certificate");
    if (old == "removed")
        return fmt::format(fmt::runtime(_("The old certificate {0} and its key were removed from "
                                          "the token.")),
                           jsonText(r, "cert"));
    if (old == "kept")
        return fmt::format(fmt::runtime(_("The old certificate {0} stays on the token.")),
                           jsonText(r, "cert"));
    if (old == "offered" || old == "removing")
        return fmt::format(fmt::runtime(_("The old certificate {0} and its key are still on the "
                                          "token. To remove them: certagent-cli renew --cleanup "
                                          "{1} --remove-old (or --keep-old to keep them).")),
                           jsonText(r, "cert"), jsonText(r, "id").substr(0, 8));
    return {};
}

// renew --cleanup ID --remove-old|--keep-old: the answer to the offer made once a renewal is
// done; also finishes a removal that was interrupted.
int cleanupRenewal(Context& ctx, Args& args, const std::string& verb) {
    auto before = findRenewal(ctx, *args.value("--cleanup"));
    if (verb == "remove_old") ctx.allowQuestions(args.value("--pin-env"), false);
    auto r = ctx.runFlow(kPlugin, verb, {{"id", jsonText(before, "id")}});
    if (ctx.json_output)
        ctx.print(r);
    else
        std::cout << oldCertificateText(r) << std::endl;
    return kOk;
}

int runRenew(Context& ctx) {
    Args args(
        ctx.args,
        {"--token", "--cert", "--years", "--id-document", "--pin-env", "--cancel", "--cleanup"},
        {"--yes", "--remove-old", "--keep-old"});
    const bool removeOld = args.flag("--remove-old"), keepOld = args.flag("--keep-old");
    if (removeOld && keepOld)
        throw Error(ErrorKind::Usage, _("choose one of --remove-old and --keep-old"));
    if (args.value("--cleanup")) {
        if (args.value("--token") || args.value("--cert") || args.value("--cancel") ||
            !args.positionals().empty() || (!removeOld && !keepOld))
            throw Error(ErrorKind::Usage,
                        _("usage: certagent-cli renew --cleanup ID --remove-old|--keep-old "
                          "[--pin-env VAR]"));
        return cleanupRenewal(ctx, args, removeOld ? "remove_old" : "keep_old");
    }
    if (args.value("--cancel")) {
        if (args.value("--token") || args.value("--cert") || !args.positionals().empty())
            throw Error(ErrorKind::Usage,
                        _("usage: certagent-cli renew --cancel ID [--pin-env VAR]"));
        return cancelRenewal(ctx, args);
    }
    if (!args.value("--token") || !args.value("--cert") || !args.positionals().empty())
        throw Error(ErrorKind::Usage,
                    _("usage: certagent-cli renew --token SERIAL --cert ID [--years 1|2|3] "
                      "[--id-document FILE.pdf] [--pin-env VAR] [--yes]"));
    auto& agent = ctx.agent();
    int years = static_cast<int>(agent.config().getInt("renewal.years"));
    if (auto y = args.value("--years")) {
        if (*y != "1" && *y != "2" && *y != "3")
            throw Error(ErrorKind::Usage, _("--years takes 1, 2 or 3"));
        years = std::stoi(*y);
    }
    ctx.allowQuestions(args.value("--pin-env"), args.flag("--yes"));

    RenewalProgressLines progress(agent);
    auto r = ctx.runFlow(kPlugin, "start",
                         {{"token", *args.value("--token")},
                          {"cert", *args.value("--cert")},
                          {"years", years},
                          {"id_document", args.value("--id-document").value_or("")}});
    std::cerr << fmt::format(fmt::runtime(_("Renewal {0} of certificate {1} on token {2}")),
                             jsonText(r, "id"), jsonText(r, "cert"), jsonText(r, "token"))
              << std::endl;
    // The old certificate is never removed unasked: a flag given beforehand, or the question
    // at a terminal (not answered by --yes, which is for the declaration); else it is offered.
    const char* old = removeOld                                         ? "remove"
                      : keepOld                                         ? "keep"
                      : (!args.flag("--yes") && platform::inputIsTerminal()) ? "ask"
                                                                        : "offer";
    r = ctx.runFlow(kPlugin, "run", {{"id", jsonText(r, "id")}, {"old_certificate", old}});
    if (auto code = printedRunAsJson(ctx, agent, r)) return *code;
    if (jsonText(r, "state") == "done") {
        std::cout << installedText(r) << std::endl;
        if (!jsonText(r, "code").empty()) std::cerr << jsonText(r, "message") << std::endl;
        if (auto line = oldCertificateText(r); !line.empty()) std::cout << line << std::endl;
        return kOk;
    }
    std::cerr << jsonText(r, "message") << std::endl;
    std::cout << fmt::format(fmt::runtime(_("Renewal not finished ({0}, step {1}): {2}")),
                             jsonText(r, "state"), renewalWhere(r), whatNext(r))
              << std::endl;
    return kFailure;
}

}  // namespace
}  // namespace certagent::cli

// clang-format off
CERTAGENT_CLI_COMMAND(renew, "renew", N_("renew a certificate on a token (runs or resumes)"),
                      N_("renew --token SERIAL --cert ID [--years 1|2|3] [--id-document FILE.pdf] "
                         "[--pin-env VAR] [--yes] [--remove-old|--keep-old] | renew --cancel ID "
                         "| renew --cleanup ID --remove-old|--keep-old"),
                      certagent::cli::runRenew,
                      {"--token", N_("SERIAL"),
                       N_("the token that holds the certificate")},
                      {"--cert", "ID",
                       N_("the certificate to renew (CKA_ID in hex, see certs)")},
                      {"--years", "1|2|3",
                       N_("validity of the new certificate in years")},
                      {"--id-document", N_("FILE.pdf"),
                       N_("the scanned identity card (PDF, 300 dpi or more)")},
                      certagent::cli::kPinEnvOption,
                      {"--yes", nullptr,
                       N_("agree to the declaration without asking")},
                      {"--cancel", "ID",
                       N_("cancel the renewal with this id (see renewals)")},
                      {"--remove-old", nullptr,
                       N_("once the new certificate is installed and verified, remove the old "
                          "one and its key from the token")},
                      {"--keep-old", nullptr,
                       N_("keep the old certificate on the token without asking")},
                      {"--cleanup", "ID",
                       N_("answer for a finished renewal with --remove-old or --keep-old")})
// clang-format on
