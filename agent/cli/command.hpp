#pragma once
// certagent-cli commands: one file per command (cmd_<name>.cpp), each registering itself with
// CERTAGENT_CLI_COMMAND. Exit codes: 0 ok, 1 failure, 2 usage error.
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "certagent/core/agent.hpp"
#include "certagent/core/token/token_service.hpp"

namespace certagent::cli {

using json = nlohmann::json;

enum ExitCode { kOk = 0, kFailure = 1, kUsage = 2 };

// Global options and lazily built services for one invocation.
class Context {
public:
    std::vector<std::string> args;  // the command's own arguments
    bool json_output = false;
    std::optional<std::filesystem::path> config_path;  // --config
    std::optional<std::filesystem::path> state_dir;    // --state-dir

    // The loaded configuration; throws certagent::Error(Config) on errors.
    const config::Config& config();
    // Core services; plugins loaded. open_state: open the state database.
    Agent& agent(bool open_state = true);
    config::LoadOptions loadOptions() const;

    // Prints JSON (when --json) or calls human().
    void print(const json& j) const;

    // What plugins run by this command may ask: the PIN (from --pin-env's variable, else the
    // terminal without echo) and questions at the terminal (assumeYes: --yes answers every
    // confirmation with yes; without a terminal, questions are refused).
    void allowQuestions(const std::optional<std::string>& pin_env, bool assume_yes);

    // Runs a flow plugin's action (a first-party flow: "renewal", "timestamps",
    // "expiry-reminders"); throws certagent::Error(Plugin) naming the plugin when it is not
    // loaded.
    json runFlow(const std::string& plugin, const std::string& action, const json& action_args);

private:
    std::optional<config::Config> config_;
    std::unique_ptr<Agent> agent_;
};

// Minimal option parser for a command's arguments: --name VALUE, --flag, positionals.
class Args {
public:
    Args(const std::vector<std::string>& args, std::vector<std::string> value_options,
         std::vector<std::string> flag_options);
    std::optional<std::string> value(const std::string& name) const;
    bool flag(const std::string& name) const;
    const std::vector<std::string>& positionals() const { return positionals_; }

private:
    std::vector<std::pair<std::string, std::string>> values_;
    std::vector<std::string> flags_;
    std::vector<std::string> positionals_;
};

// certagent.ui/1 open for the CLI and the daemon: xdg-open in the session's environment,
// without --pin-env's variable and [timestamps] password_env.
std::function<std::optional<json>(const json&)> desktopOpener(
    Agent& agent, const std::optional<std::string>& pin_env);

// The PIN for a login: from the environment variable named by --pin-env, else asked on the
// terminal without echo. Warns before the final try. Never from the command line.
token::PinCallback pinCallback(const std::optional<std::string>& pin_env);

// Prints rows as aligned columns (UTF-8 aware).
void printTable(const std::vector<std::string>& headers,
                const std::vector<std::vector<std::string>>& rows);

struct Command {
    const char* name;
    const char* summary;  // N_() msgid
    const char* usage;    // N_() msgid, e.g. "config check|show [--json]"
    int (*run)(Context&);
};

class Registry {
public:
    static void add(const Command& c);
    static const std::vector<Command>& all();
};

}  // namespace certagent::cli

#define CERTAGENT_CLI_COMMAND(id, name, summary, usage, fn)                                   \
    namespace {                                                                               \
    const bool registered_##id = (::certagent::cli::Registry::add({name, summary, usage, fn}), \
                                  true);                                                      \
    }
