// certagent-cli: every capability of the agent, scriptable. See `certagent-cli --help`.
#include <cstring>
#include <fmt/format.h>
#include <iostream>

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"
#include "command.hpp"

using namespace certagent;

namespace {

void printHelp() {
    std::cout << _("Usage: certagent-cli [--config PATH] [--state-dir DIR] [--json] [-v] COMMAND "
                   "[ARGS]")
              << "\n\n"
              << _("Commands:") << "\n";
    auto commands = cli::Registry::all();
    std::sort(commands.begin(), commands.end(),
              [](const cli::Command& a, const cli::Command& b) {
                  return std::strcmp(a.name, b.name) < 0;
              });
    for (const auto& c : commands)
        std::cout << fmt::format("  {:<12} {}\n", c.name, _(c.summary));
    std::cout << "\n"
              << _("Global options:") << "\n"
              << "  --config PATH    " << _("configuration file (else $CERTAGENT_CONFIG)") << "\n"
              << "  --state-dir DIR  " << _("state folder (else $CERTAGENT_STATE_DIR)") << "\n"
              << "  --json           " << _("machine-readable output") << "\n"
              << "  -v, -vv          " << _("more log output on stderr") << "\n"
              << "  --version        " << _("print the version") << "\n\n"
              << _("Exit codes: 0 success, 1 failure, 2 usage error.") << "\n";
}

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
    return code;
}

}  // namespace

int main(int argc, char** argv) {
    i18n::init();
    log::setLevel(log::Level::Warn);
    cli::Context ctx;
    std::vector<std::string> rest;
    bool want_version = false, want_help = false;
    try {
        std::vector<std::string> args(argv + 1, argv + argc);
        int verbosity = 0;
        for (std::size_t i = 0; i < args.size(); ++i) {
            const auto& a = args[i];
            auto takeValue = [&](const std::string& name) {
                if (i + 1 >= args.size())
                    throw Error(ErrorKind::Usage,
                                fmt::format(fmt::runtime(_("option {0} needs a value")), name));
                return args[++i];
            };
            if (a == "--json") {
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
            } else if (a == "--") {
                rest.insert(rest.end(), args.begin() + static_cast<long>(i) + 1, args.end());
                break;
            } else {
                rest.push_back(a);
            }
        }
        if (verbosity == 1) log::setLevel(log::Level::Debug);
        if (verbosity >= 2) log::setLevel(log::Level::Trace);
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
        if (want_help || rest.empty()) {
            printHelp();
            return rest.empty() && !want_help ? cli::kUsage : cli::kOk;
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
        for (const auto& c : cli::Registry::all()) {
            if (rest[0] == c.name) {
                ctx.args.assign(rest.begin() + 1, rest.end());
                return c.run(ctx);
            }
        }
        throw Error(ErrorKind::Usage,
                    fmt::format(fmt::runtime(_("unknown command '{0}' (see certagent-cli "
                                               "--help)")),
                                rest[0]));
    } catch (const Error& e) {
        return reportError(e, ctx.json_output);
    } catch (const std::exception& e) {
        return reportError(Error(ErrorKind::Internal, e.what()), ctx.json_output);
    }
}
