// certagent-cli renew --token SERIAL --cert ID [--years 1|2|3] [--id-document FILE.pdf]
//   [--pin-env VAR] [--yes]: runs or resumes the renewal of one certificate; progress on
// stderr; exit 0 once the new certificate is installed and verified.
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <mutex>
#include <optional>
#include <vector>

#include "certagent/core/error.hpp"
#include "certagent/core/events.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/platform/session_environment.hpp"
#include "certagent/core/renewal/agent_renewal.hpp"
#include "certagent/core/renewal/journal.hpp"
#include "certagent/core/token/agent_tokens.hpp"
#include "command.hpp"

namespace certagent::cli {
namespace {

using renewal::Answer;

// Opens a URL in the user's browser without a shell; false when there is no desktop. The
// browser gets the session's basic variables only, never `withheld` (the --pin-env variable,
// the TSA password's variable) nor anything else of ours.
bool openInBrowser(const std::string& url, const std::vector<std::string>& withheld) {
    if (!std::getenv("DISPLAY") && !std::getenv("WAYLAND_DISPLAY")) return false;
    std::vector<std::string> args = {"xdg-open", url};
    auto argv = platform::nullTerminated(args);
    auto env = platform::sessionEnvironment({}, withheld);
    auto envp = platform::nullTerminated(env);
    pid_t pid = 0;
    if (posix_spawnp(&pid, "xdg-open", nullptr, nullptr, argv.data(), envp.data()) != 0)
        return false;
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

class TerminalPrompter final : public renewal::Prompter {
public:
    TerminalPrompter(bool yes, std::vector<std::string> secretVariables)
        : yes_(yes), secretVariables_(std::move(secretVariables)) {}

    Answer signDeclaration(const renewal::RenewalRecord&,
                           const std::filesystem::path& pdf) override {
        std::cerr << fmt::format(fmt::runtime(_("The declaration to sign is {0}; read it before "
                                                "you agree.")),
                                 pdf.string())
                  << std::endl;
        if (yes_) return Answer::Yes;
        if (!isatty(STDIN_FILENO)) {
            std::cerr << _("Add --yes to sign the declaration without being asked.") << std::endl;
            return Answer::Later;
        }
        std::cerr << _("Sign the declaration with the certificate on the token? [y/N] ")
                  << std::flush;
        std::string line;
        std::getline(std::cin, line);
        return (line == "y" || line == "Y" || line == "d" || line == "D") ? Answer::Yes
                                                                          : Answer::No;
    }

    Answer openPaymentPage(const renewal::RenewalRecord&, const std::string& url) override {
        if (!openInBrowser(url, secretVariables_))
            std::cerr << fmt::format(fmt::runtime(_("Open this page in a browser and pay by "
                                                    "card: {0}")),
                                     url)
                      << std::endl;
        else
            std::cerr << fmt::format(fmt::runtime(_("The payment page is open in your browser: "
                                                    "{0}")),
                                     url)
                      << std::endl;
        return Answer::Yes;
    }

private:
    bool yes_;
    std::vector<std::string> secretVariables_;  // names whose values never leave the agent
};

// The variables that hold secrets for this run: --pin-env's and [timestamps] password_env.
std::vector<std::string> secretVariables(Agent& agent, const std::optional<std::string>& pinEnv) {
    std::vector<std::string> names;
    if (pinEnv && !pinEnv->empty()) names.push_back(*pinEnv);
    auto tsaPassword = agent.config().getString("timestamps.password_env");
    if (!tsaPassword.empty()) names.push_back(tsaPassword);
    return names;
}

std::string whatNext(const renewal::RenewalRecord& r) {
    const auto& c = r.errorCode;
    if (c == "pin_incorrect" || c == "pin_locked" || c == "cancelled")
        return _("Run the same command again with the right PIN.");
    if (c == "token_removed")
        return _("Plug the token in and run the same command again; nothing is lost.");
    if (c == "network")
        return _("Check the Internet connection and run the same command again; nothing is "
                 "submitted or paid twice.");
    if (c == "RESPINSA")
        return _("Read the reason above and contact the certification authority before "
                 "starting a new request.");
    if (c == "CLIENT_CERT_EXPIRED" || c == "CLIENT_CERT_REVOKED")
        return _("Apply for a new certificate at your certification authority.");
    if (c == "ID_DOCUMENT_MISSING" || c == "NOT_A_PDF" || c == "PAYLOAD_TOO_LARGE")
        return _("Give the scanned identity card with --id-document FILE.pdf and run the "
                 "command again.");
    if (r.state == renewal::State::Failed)
        return _("Contact your certification authority with the renewal's id (certagent-cli "
                 "renewals).");
    return _("Fix the problem above and run the same command again: the renewal resumes where "
             "it stopped.");
}

// A renewal's full id from the id or a unique prefix of it (`renewals` shows 8 characters).
std::string resolveRenewalId(Agent& agent, const std::string& given) {
    renewal::Journal journal(agent.store(), agent.clock());
    std::vector<std::string> found;
    for (const auto& r : journal.list())
        if (r.id.rfind(given, 0) == 0) found.push_back(r.id);
    if (found.empty() || given.empty())
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
    auto& agent = ctx.agent();
    auto id = resolveRenewalId(agent, *args.value("--cancel"));
    if (auto before = renewal::Journal(agent.store(), agent.clock()).load(id, false);
        before && renewal::isFinal(before->state)) {
        if (ctx.json_output)
            ctx.print(before->toJson());
        else
            std::cout << fmt::format(fmt::runtime(_("Renewal {0} had already ended ({1}); "
                                                    "nothing was changed.")),
                                     before->id, renewal::stateName(before->state))
                      << std::endl;
        return kFailure;
    }
    auto tokens = token::makeTokenService(agent);
    auto engine = renewal::makeEngine(agent, *tokens, pinCallback(args.value("--pin-env")),
                                      std::make_shared<TerminalPrompter>(
                                          false, secretVariables(agent, args.value("--pin-env"))));
    auto r = engine->cancel(id);
    if (ctx.json_output) {
        ctx.print(r.toJson());
    } else {
        std::cout << fmt::format(fmt::runtime(_("Renewal {0} is cancelled.")), r.id) << std::endl;
    }
    return r.state == renewal::State::Cancelled ? kOk : kFailure;
}

int runRenew(Context& ctx) {
    Args args(ctx.args, {"--token", "--cert", "--years", "--id-document", "--pin-env", "--cancel"},
              {"--yes"});
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
    auto tokens = token::makeTokenService(agent);
    auto engine = renewal::makeEngine(agent, *tokens, pinCallback(args.value("--pin-env")),
                                      std::make_shared<TerminalPrompter>(
                                          args.flag("--yes"),
                                          secretVariables(agent, args.value("--pin-env"))));

    // Progress lines on stderr, one per change.
    std::mutex m;
    std::string last;
    auto sub = agent.bus().subscribe(events::kRenewalProgress, [&](const json& e) {
        auto line = fmt::format("[{}] {}", e.value("phase", std::string()),
                                e.value("message", std::string()));
        std::lock_guard l(m);
        if (line == last) return;
        last = line;
        std::cerr << line << std::endl;
    });
    auto r = engine->start({*args.value("--token"), *args.value("--cert"), years,
                            args.value("--id-document").value_or("")});
    std::cerr << fmt::format(fmt::runtime(_("Renewal {0} of certificate {1} on token {2}")), r.id,
                             r.certId, r.token)
              << std::endl;
    r = engine->run(r.id);
    agent.bus().drain();
    agent.bus().unsubscribe(sub);

    if (ctx.json_output) {
        ctx.print(r.toJson());
        return r.state == renewal::State::Done ? kOk : kFailure;
    }
    if (r.state == renewal::State::Done) {
        std::cout << fmt::format(fmt::runtime(_("The certificate was installed successfully: new "
                                                "certificate {0} under id {1} on token {2}.")),
                                 r.newCertSerial, r.candidateKeyId, r.token)
                  << std::endl;
        return kOk;
    }
    std::cerr << r.message << std::endl;
    std::cout << fmt::format(fmt::runtime(_("Renewal not finished ({0}, step {1}): {2}")),
                             renewal::stateName(r.state), renewal::stepName(r.step), whatNext(r))
              << std::endl;
    return kFailure;
}

}  // namespace
}  // namespace certagent::cli

CERTAGENT_CLI_COMMAND(renew, "renew", N_("renew a certificate on a token (runs or resumes)"),
                      N_("renew --token SERIAL --cert ID [--years 1|2|3] [--id-document FILE.pdf] "
                         "[--pin-env VAR] [--yes] | renew --cancel ID"),
                      certagent::cli::runRenew,
                      {"--token", N_("SERIAL"),
                       N_("the token that holds the certificate")},
                      {"--cert", "ID",
                       N_("the certificate to renew (CKA_ID in hex, see certs)")},
                      {"--years", "1|2|3",
                       N_("validity of the new certificate in years")},
                      {"--id-document", N_("FILE.pdf"),
                       N_("the scanned identity card (PDF, 300 dpi or more)")},
                      {"--pin-env", N_("VAR"),
                       N_("read the PIN from this environment variable")},
                      {"--yes", nullptr,
                       N_("agree to the declaration without asking")},
                      {"--cancel", "ID",
                       N_("cancel the renewal with this id (see renewals)")})
