// certagent-cli pin change|unblock --token SERIAL: the user PIN changed (C_SetPIN) or
// unblocked with the SO PIN / PUK (SO login, C_InitPIN). PINs come from the terminal without
// echo or from the environment variables named by --pin-env, --new-pin-env, --so-pin-env;
// never from the command line. Everything that can be checked without the token is checked
// before it, so a try is spent only on the one call the user asked for.
#include <fmt/format.h>
#include <iostream>

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/token/agent_tokens.hpp"
#include "certagent/core/ui/pin_tasks.hpp"
#include "command.hpp"

namespace certagent::cli {
namespace {

SecretString readSecret(const std::optional<std::string>& envVar, const std::string& option,
                        const std::string& prompt) {
    if (envVar) return secretFromEnv(*envVar);
    try {
        return readSecretFromTerminal(prompt);
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::Usage) throw;
        throw Error(ErrorKind::Usage,
                    fmt::format(fmt::runtime(_("a PIN is needed but standard input is not a "
                                               "terminal; name an environment variable with {0}")),
                                option));
    }
}

int runPin(Context& ctx) {
    Args args(ctx.args, {"--token", "--pin-env", "--new-pin-env", "--so-pin-env"}, {"--yes"});
    const auto& pos = args.positionals();
    if (pos.size() != 1 || (pos[0] != "change" && pos[0] != "unblock"))
        throw Error(ErrorKind::Usage,
                    _("usage: certagent-cli pin change|unblock [--token SERIAL] [--pin-env VAR] "
                      "[--new-pin-env VAR] [--so-pin-env VAR] [--yes]"));
    const auto task = pos[0] == "change" ? ui::PinTask::Change : ui::PinTask::Unblock;
    if (task == ui::PinTask::Change && args.value("--so-pin-env"))
        throw Error(ErrorKind::Usage, _("pin change takes --pin-env (the current PIN), not "
                                        "--so-pin-env"));
    if (task == ui::PinTask::Unblock && args.value("--pin-env"))
        throw Error(ErrorKind::Usage, _("pin unblock takes --so-pin-env (the SO PIN or PUK), not "
                                        "--pin-env"));

    auto& agent = ctx.agent(/*open_state=*/false);
    auto service = token::makeTokenService(agent);
    const auto token = selectToken(*service, args.value("--token"));
    const auto profiles = token::tokenProfiles(agent);
    const auto policy = ui::pinTaskPolicy(task, token, profileOf(profiles, token));

    // Decided from the flags alone: a blocked PIN costs no try to find out.
    if (auto blocked = ui::pinTaskBlocker(policy); !blocked.empty()) {
        if (task == ui::PinTask::Change && policy.user.locked)
            blocked += " " + fmt::format(fmt::runtime(_("Run: certagent-cli pin unblock --token "
                                                        "{0}")),
                                         token.serial);
        throw Error(ErrorKind::PinLocked, blocked, token.serial);
    }
    if (auto warning = ui::pinTaskWarning(policy); !warning.empty() && !ctx.json_output)
        std::cerr << warning << std::endl;

    SecretString secret, newPin, repeat;
    if (policy.pinPad) {
        std::cerr << _("Follow the instructions on the token's PIN pad.") << std::endl;
    } else {
        const std::string name = policy.tokenLabel;
        if (task == ui::PinTask::Change)
            secret = readSecret(args.value("--pin-env"), "--pin-env",
                                fmt::format(fmt::runtime(_("Current PIN of token {0}: ")), name));
        else
            secret = readSecret(args.value("--so-pin-env"), "--so-pin-env",
                                fmt::format(fmt::runtime(_("{0} of token {1}: ")), policy.soName,
                                            name));
        if (auto var = args.value("--new-pin-env")) {
            newPin = secretFromEnv(*var);
            repeat = SecretString(newPin.reveal());
        } else {
            if (auto hint = ui::pinLengthHint(policy.newPin); !hint.empty())
                std::cerr << hint << std::endl;
            newPin = readSecret({}, "--new-pin-env",
                                fmt::format(fmt::runtime(_("New PIN of token {0}: ")), name));
            repeat = readSecret({}, "--new-pin-env", _("The new PIN again: "));
        }
    }
    auto problem = ui::checkPinTask(policy, secret.reveal(), newPin.reveal(), repeat.reveal(),
                                    /*finalTryConfirmed=*/true);
    if (problem != ui::PinTaskProblem::None)
        throw Error(ErrorKind::InvalidInput,
                    ui::pinTaskProblemText(policy, problem) + " " +
                        _("Nothing was sent to the token."),
                    token.serial);
    if (ui::pinTaskNeedsFinalTryConfirmation(policy) &&
        !confirmAtTerminal(_("This is the last try: a wrong one blocks it. Continue?"),
                           args.flag("--yes")))
        throw Error(ErrorKind::Cancelled, _("Cancelled; nothing was sent to the token."),
                    token.serial);

    auto session = service->open(token);
    if (task == ui::PinTask::Change)
        session->changePin(secret, newPin);
    else
        session->unblockPin(secret, newPin, policy.soName);
    secret.clear();
    newPin.clear();
    repeat.clear();

    const auto& after = session->token();
    if (ctx.json_output)
        ctx.print({{"token", token.serial},
                   {"task", ui::pinTaskName(task)},
                   {"done", true},
                   {"pin_state", token::pinStateName(after.userPin.state())},
                   {"so_pin_state", token::pinStateName(after.soPin.state())}});
    else
        std::cout << ui::pinTaskDoneText(policy) << std::endl;
    return kOk;
}

}  // namespace
}  // namespace certagent::cli

CERTAGENT_CLI_COMMAND(pin, "pin",
                      N_("change the token's PIN, or unblock it with the SO PIN / PUK"),
                      N_("pin change|unblock [--token SERIAL] [--pin-env VAR] [--new-pin-env VAR] "
                         "[--so-pin-env VAR] [--yes]"),
                      certagent::cli::runPin,
                      {"--token", N_("SERIAL"),
                       N_("the token (needed when several are connected)")},
                      {"--pin-env", N_("VAR"),
                       N_("read the current PIN from this environment variable")},
                      {"--new-pin-env", N_("VAR"),
                       N_("read the new PIN from this environment variable")},
                      {"--so-pin-env", N_("VAR"),
                       N_("read the SO PIN / PUK from this environment variable (unblock)")},
                      {"--yes", nullptr,
                       N_("go ahead on the last PIN try without asking")})
