#pragma once
// certagent-cli commands: one file per command (cmd_<name>.cpp), each registering itself with
// CERTAGENT_CLI_COMMAND. Exit codes: 0 ok, 1 failure, 2 usage error.
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "certagent/core/agent.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/token/token_profile.hpp"
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

// Where a renewal stands, in one word: the backend's phase at the request step, else the step.
std::string renewalWhere(const json& record);

// The sentence for a renewal or enrolment record that is done: the new certificate's serial,
// its id and its token.
std::string installedText(const json& record);

// The end of a renewal or enrolment run: waits for its last progress lines, then, with --json,
// prints the record and gives the exit code (0 once done); without --json gives nothing.
std::optional<int> printedRunAsJson(Context& ctx, Agent& agent, const json& record);

// Prints the renewal plugin's RenewalProgress events on stderr while it lives, one line per
// change ("[step] message"): renew and enrol.
class RenewalProgressLines {
public:
    explicit RenewalProgressLines(Agent& agent);
    ~RenewalProgressLines();  // after the events already published
    RenewalProgressLines(const RenewalProgressLines&) = delete;
    RenewalProgressLines& operator=(const RenewalProgressLines&) = delete;

private:
    Agent& agent_;
    uint64_t id_ = 0;
    std::mutex m_;
    std::string last_;
};

// The connected token with this serial, or the only connected token when no serial is given.
// Throws Error(TokenRemoved) when it is not connected, Error(Usage) when several are and none
// was named.
token::TokenInfo selectToken(token::TokenService& service, const std::optional<std::string>& serial);

// The profile of the plugin that claims the token (nullptr: none).
const token::TokenProfile* profileOf(const std::vector<token::TokenProfile>& profiles,
                                     const token::TokenInfo& token);

// Asks "PROMPT [yes/no]" on the terminal: true only for "yes" (or the translated yes). With
// `assumeYes` (--yes) true without asking; without a terminal throws Error(Usage) naming
// `yesOption`.
bool confirmAtTerminal(const std::string& prompt, bool assumeYes,
                       const std::string& yesOption = "--yes");

// Status words in text output, in the user's language ("expiring" -> "expiră în curând");
// --json keeps the English names (token::certStatusName, token::pinStateName).
std::string certStatusText(token::CertStatus status);
std::string pinStateText(token::PinState state);

// Prints rows as aligned columns (UTF-8 aware).
void printTable(const std::vector<std::string>& headers,
                const std::vector<std::vector<std::string>>& rows);

// One option of a command, as --help, the man page and the shell completions show it.
struct Option {
    const char* names;  // "--token", or with a short alias "-o, --output"
    const char* value;  // placeholder of its value ("SERIAL", "FILE.pdf", "der|pem"); nullptr:
                        // a flag. Choices written a|b|c are completed as such; a placeholder
                        // naming FILE, PEM, OUT or PATH completes file names, DIR directories.
    const char* help;   // N_() msgid: one line
};

// --pin-env as most commands that log in to a token take it.
inline constexpr Option kPinEnvOption{"--pin-env", N_("VAR"),
                                      N_("read the PIN from this environment variable")};

struct Command {
    const char* name;
    const char* summary;  // N_() msgid
    const char* usage;    // N_() msgid: its forms, " | " between them, e.g. "config check|show"
    int (*run)(Context&);
    std::vector<Option> options;  // every option Args accepts for it (checked when it runs)

    const Option* option(const std::string& wanted) const;  // by any of its names
};

// "-o, --output" -> {"-o", "--output"}
std::vector<std::string> optionNames(const Option& o);

// Every command accepts these besides its own options (main.cpp handles them).
const std::vector<Option>& commonOptions();

class Registry {
public:
    static void add(const Command& c);
    static const std::vector<Command>& all();  // in registration order
    static std::vector<Command> sorted();      // by name
    static const Command* find(const std::string& name);
    // The command main() runs: Args checks its option lists against this entry, so an option
    // a command accepts but did not declare (and that --help, the man page and the completions
    // would miss) fails its first run in the tests, not silently in the docs.
    static void setCurrent(const Command* c);
    static const Command* current();
};

}  // namespace certagent::cli

// CERTAGENT_CLI_COMMAND(id, "name", N_("summary"), N_("usage"), run,
//                       {"--token", "SERIAL", N_("help")}, {"--yes", nullptr, N_("help")}, ...)
#define CERTAGENT_CLI_COMMAND(id, name, summary, usage, fn, ...)                              \
    namespace {                                                                               \
    const bool registered_##id =                                                              \
        (::certagent::cli::Registry::add({name, summary, usage, fn, {__VA_ARGS__}}), true);   \
    }
