// certagent-cli: every capability of the agent, scriptable. See `certagent-cli --help`.
#include <cstring>
#include <optional>
#include <fmt/format.h>
#include <iostream>

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"
#include "command.hpp"
#include "help.hpp"

using namespace certagent;

namespace {

int reportError(const Error& e, bool json_output) {
    int code = e.kind() == ErrorKind::Usage ? cli::kUsage : cli::kFailure;
    if (json_output)
        std::cout << nlohmann::json{{"error",
                                     {{"code", errorKindName(e.kind())},
                                      {"message", e.what()},
                                      {"where", e.where()},
                                      {"retryable", e.retryable()}}}}
                         .dump(2)
                  << std::endl;
    std::cerr << "certagent-cli: " << _("error") << ": " << describe(e) << std::endl;
    if (code == cli::kUsage) {
        const auto* c = cli::Registry::current();
        std::cerr << (c ? fmt::format(fmt::runtime(_("Try 'certagent-cli {0} --help'.")), c->name)
                        : std::string(_("Try 'certagent-cli --help'.")))
                  << std::endl;
    }
    return code;
}

}  // namespace

// Global options come before the command; the command's arguments are its own, except --json
// (every command's output) and -h/--help (its usage), up to a "--".
int main(int argc, char** argv) {
    i18n::init();
    log::setLevel(log::Level::Warn);
    cli::Context ctx;
    try {
        std::vector<std::string> args(argv + 1, argv + argc);
        int verbosity = 0;
        bool want_version = false, want_help = false;
        std::optional<std::string> generate;  // build time: man page and completions
        std::size_t i = 0;
        for (; i < args.size(); ++i) {
            const auto& a = args[i];
            auto takeValue = [&](const std::string& name) {
                if (i + 1 >= args.size())
                    throw Error(ErrorKind::Usage,
                                fmt::format(fmt::runtime(_("option {0} needs a value")), name));
                return args[++i];
            };
            if (a == "--") {
                ++i;
                break;
            } else if (a.empty() || a[0] != '-') {
                break;  // the command
            } else if (a == "--json") {
                ctx.json_output = true;
            } else if (a == "--config") {
                ctx.config_path = takeValue(a);
            } else if (a.rfind("--config=", 0) == 0) {
                ctx.config_path = a.substr(9);
            } else if (a == "--state-dir") {
                ctx.state_dir = takeValue(a);
            } else if (a.rfind("--state-dir=", 0) == 0) {
                ctx.state_dir = a.substr(12);
            } else if (a == "-v" || a == "--verbose") {
                ++verbosity;
            } else if (a == "-vv") {
                verbosity += 2;
            } else if (a == "--version") {
                want_version = true;
            } else if (a == "--help" || a == "-h") {
                want_help = true;
            } else if (a == "--generate") {
                generate = takeValue(a);
            } else {
                throw Error(ErrorKind::Usage,
                            fmt::format(fmt::runtime(_("unknown global option {0} (a command's "
                                                       "options come after the command)")),
                                        a));
            }
        }
        if (verbosity == 1) log::setLevel(log::Level::Debug);
        if (verbosity >= 2) log::setLevel(log::Level::Trace);
        if (generate) {
            if (!cli::generate(*generate, std::cin, std::cout))
                throw Error(ErrorKind::Usage, fmt::format("--generate {}: man, bash, zsh or json",
                                                          *generate));
            return cli::kOk;
        }
        if (want_version) {
            if (ctx.json_output)
                std::cout << nlohmann::json{{"name", "certagent-cli"},
                                            {"version", CERTAGENT_VERSION},
                                            {"plugin_abi", fmt::format("{}.{}",
                                                                       CERTAGENT_SDK_ABI_MAJOR,
                                                                       CERTAGENT_SDK_ABI_MINOR)}}
                                 .dump(2)
                          << std::endl;
            else
                std::cout << "certagent-cli " << CERTAGENT_VERSION << " ("
                          << fmt::format(fmt::runtime(_("plugin ABI {0}.{1}")),
                                         CERTAGENT_SDK_ABI_MAJOR, CERTAGENT_SDK_ABI_MINOR)
                          << ")" << std::endl;
            return cli::kOk;
        }
        if (i >= args.size()) {
            // certagent-cli --help: the overview; nothing at all is a usage error.
            cli::printHelp(want_help ? std::cout : std::cerr);
            return want_help ? cli::kOk : cli::kUsage;
        }
        const auto* command = cli::Registry::find(args[i]);
        if (!command)
            throw Error(ErrorKind::Usage,
                        fmt::format(fmt::runtime(_("unknown command '{0}' (see certagent-cli "
                                                   "--help)")),
                                    args[i]));
        cli::Registry::setCurrent(command);
        bool ended = false;
        for (++i; i < args.size(); ++i) {
            const auto& a = args[i];
            if (!ended && (a == "--help" || a == "-h")) {
                want_help = true;
            } else if (!ended && a == "--json") {
                ctx.json_output = true;
            } else if (!ended && !command->option(a) &&
                       (a == "--config" || a.rfind("--config=", 0) == 0 || a == "--state-dir" ||
                        a.rfind("--state-dir=", 0) == 0 || a == "-v" || a == "-vv" ||
                        a == "--verbose" || a == "--version")) {
                throw Error(ErrorKind::Usage,
                            fmt::format(fmt::runtime(_("{0} is a global option: put it before "
                                                       "the command")),
                                        a));
            } else {
                ended |= a == "--";
                ctx.args.push_back(a);
            }
        }
        if (want_help) {
            cli::printCommandHelp(std::cout, *command);
            return cli::kOk;
        }
        if (verbosity == 0) {
            // The configured level applies unless -v asked for more.
            try {
                log::setLevel(std::max(log::parseLevel(ctx.config().getString("log.level")),
                                       log::Level::Warn));
            } catch (const Error&) {
                // A broken config is reported by the command that needs it.
            }
        }
        return command->run(ctx);
    } catch (const Error& e) {
        return reportError(e, ctx.json_output);
    } catch (const std::exception& e) {
        return reportError(Error(ErrorKind::Internal, e.what()), ctx.json_output);
    }
}
