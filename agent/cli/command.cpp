#include "command.hpp"

#include "certagent/core/app/extensions.hpp"

#include <algorithm>
#include <cctype>
#include <fmt/format.h>
#include <iostream>

#include "certagent/core/error.hpp"
#include "certagent/core/events.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/json_text.hpp"
#include "certagent/core/platform/desktop_open.hpp"
#include "certagent/core/platform/system.hpp"

namespace certagent::cli {

config::LoadOptions Context::loadOptions() const {
    config::LoadOptions o;
    o.explicit_file = config_path;
    return o;
}

const config::Config& Context::config() {
    if (agent_) return agent_->config();
    if (!config_) {
        config_ = config::Config::load(loadOptions());
        config_->throwIfErrors();
        i18n::setLanguage(config_->getString("ui.language"));
    }
    return *config_;
}

Agent& Context::agent(bool open_state) {
    if (!agent_) {
        AgentOptions o;
        o.config = loadOptions();
        o.state_dir = state_dir;
        o.open_state = open_state;
        o.log_to_file = open_state;
        // Plugins find the areas' extensions (tokens, documents, http) from their start.
        o.before_plugins = [](Agent& a) { app::installExtensions(a); };
        agent_ = std::make_unique<Agent>(std::move(o));
    }
    return *agent_;
}

void Context::print(const json& j) const { std::cout << j.dump(2) << std::endl; }

namespace {

std::string readLine() {
    std::string line;
    if (!std::getline(std::cin, line)) return {};
    return line;
}

}  // namespace

void Context::allowQuestions(const std::optional<std::string>& pin_env, bool assume_yes) {
    auto& a = agent();
    if (auto* ext = app::findExtensions(a)) ext->setPin(pinCallback(pin_env));
    const bool terminal = platform::inputIsTerminal();
    Prompts p;
    p.confirm = [assume_yes, terminal](const json& r) -> std::optional<json> {
        if (assume_yes) return json{{"answer", true}};
        if (!terminal)
            throw Error(ErrorKind::Usage, fmt::format(fmt::runtime(_("{0}: add --yes to answer "
                                                                     "yes without a terminal")),
                                                      jsonText(r, "text")));
        std::cerr << jsonText(r, "title") << "\n"
                  << jsonText(r, "text") << " [" << _("y/N") << "] " << std::flush;
        auto line = readLine();
        bool yes = !line.empty() && (line[0] == 'y' || line[0] == 'Y' || line[0] == 'd' ||
                                     line[0] == 'D');  // "da"
        return json{{"answer", yes}};
    };
    if (terminal) {
        p.choose = [](const json& r) -> std::optional<json> {
            std::cerr << jsonText(r, "title") << "\n" << jsonText(r, "text") << "\n";
            auto options = r.value("options", json::array());
            for (size_t i = 0; i < options.size(); ++i)
                std::cerr << "  " << (i + 1) << ") " << options[i].get<std::string>() << "\n";
            std::cerr << "> " << std::flush;
            auto line = readLine();
            size_t n = 0;
            try {
                n = std::stoul(line);
            } catch (const std::exception&) {
                return std::nullopt;
            }
            if (n < 1 || n > options.size()) return std::nullopt;
            return json{{"index", n - 1}};
        };
        p.chooseFile = [](const json& r) -> std::optional<json> {
            std::cerr << jsonText(r, "title") << ": " << std::flush;
            auto line = readLine();
            if (line.empty()) return std::nullopt;
            return json{{"path", line}};
        };
    }
    p.open = desktopOpener(a, pin_env);
    a.services().setPrompts(std::move(p));
}

std::function<std::optional<json>(const json&)> desktopOpener(
    Agent& agent, const std::optional<std::string>& pin_env) {
    // The variables that hold secrets for this run never reach the opened program.
    std::vector<std::string> withheld;
    if (pin_env && !pin_env->empty()) withheld.push_back(*pin_env);
    if (auto tsa = agent.config().getString("timestamps.password_env"); !tsa.empty())
        withheld.push_back(tsa);
    return [withheld](const json& r) -> std::optional<json> {
        return json{{"opened", platform::openWithDesktop(jsonText(r, "target"), withheld)}};
    };
}

json Context::runFlow(const std::string& plugin, const std::string& action,
                      const json& action_args) {
    auto* p = agent().plugins().find(plugin);
    if (!p)
        throw Error(ErrorKind::Plugin,
                    fmt::format(fmt::runtime(_("the plugin {0} is not installed or did not load "
                                               "(certagent-cli plugins says why)")),
                                plugin),
                    plugin);
    return p->runAction(action, action_args);
}

std::string renewalWhere(const json& r) {
    auto phase = jsonText(r, "phase");
    return jsonText(r, "step") == "request" && !phase.empty() ? phase : jsonText(r, "step");
}

std::string installedText(const json& r) {
    return fmt::format(fmt::runtime(_("The certificate was installed successfully: new "
                                      "certificate {0} under id {1} on token {2}.")),
                       jsonText(r, "new_cert_serial"), jsonText(r, "candidate_key_id"),
                       jsonText(r, "token"));
}

std::optional<int> printedRunAsJson(Context& ctx, Agent& agent, const json& r) {
    agent.bus().drain();
    if (!ctx.json_output) return std::nullopt;
    ctx.print(r);
    return jsonText(r, "state") == "done" ? kOk : kFailure;
}

RenewalProgressLines::RenewalProgressLines(Agent& agent) : agent_(agent) {
    id_ = agent.bus().subscribe(events::kRenewalProgress, [this](const json& e) {
        auto line = fmt::format("[{}] {}", renewalWhere(e), jsonText(e, "message"));
        std::lock_guard l(m_);
        if (line == last_) return;
        last_ = line;
        std::cerr << line << std::endl;
    });
}

RenewalProgressLines::~RenewalProgressLines() {
    agent_.bus().drain();
    agent_.bus().unsubscribe(id_);
}

token::PinCallback pinCallback(const std::optional<std::string>& pin_env) {
    return [pin_env](const token::PinRequest& request) -> std::optional<SecretString> {
        if (request.state == token::PinState::FinalTry)
            std::cerr << _("Warning: the token reports that this is the last PIN try before it "
                           "locks.")
                      << std::endl;
        if (pin_env) return secretFromEnv(*pin_env);
        auto prompt = fmt::format(fmt::runtime(_("PIN for token {0} ({1}): ")),
                                  request.token.label, request.token.serial);
        auto pin = readSecretFromTerminal(prompt);
        if (pin.empty()) return std::nullopt;  // an empty entry cancels
        return pin;
    };
}

token::TokenInfo selectToken(token::TokenService& service,
                             const std::optional<std::string>& serial) {
    auto tokens = service.tokens();
    if (serial) {
        for (const auto& t : tokens)
            if (t.serial == *serial) return t;
        throw retryableError(
            ErrorKind::TokenRemoved,
            fmt::format(fmt::runtime(_("Token {0} is not connected; insert it (see "
                                       "certagent-cli tokens)")),
                        *serial),
            *serial);
    }
    if (tokens.size() == 1) return tokens.front();
    if (tokens.empty())
        throw retryableError(ErrorKind::TokenRemoved,
                             _("No token is connected; insert your token and try again"));
    throw Error(ErrorKind::Usage,
                _("Several tokens are connected; name one with --token SERIAL (see certagent-cli "
                  "tokens)"));
}

const token::TokenProfile* profileOf(const std::vector<token::TokenProfile>& profiles,
                                     const token::TokenInfo& token) {
    for (const auto& p : profiles)
        if (p.name == token.plugin) return &p;
    return nullptr;
}

bool confirmAtTerminal(const std::string& prompt, bool assumeYes, const std::string& yesOption) {
    if (assumeYes) return true;
    if (!platform::inputIsTerminal())
        throw Error(ErrorKind::Usage,
                    fmt::format(fmt::runtime(_("a confirmation is needed but standard input is not "
                                               "a terminal; run again with {0}")),
                                yesOption));
    std::cerr << prompt << " [" << _("yes") << "/" << _("no") << "] " << std::flush;
    std::string answer;
    if (!std::getline(std::cin, answer)) return false;
    while (!answer.empty() && std::isspace(static_cast<unsigned char>(answer.back())))
        answer.pop_back();
    return answer == "yes" || answer == _("yes");
}

namespace {

std::vector<std::string> splitNames(const char* names) {
    std::vector<std::string> out;
    std::string all = names ? names : "";
    std::size_t start = 0;
    while (start < all.size()) {
        auto comma = all.find(',', start);
        auto piece = all.substr(start, comma == std::string::npos ? std::string::npos
                                                                  : comma - start);
        piece.erase(0, piece.find_first_not_of(' '));
        piece.erase(piece.find_last_not_of(' ') + 1);
        if (!piece.empty()) out.push_back(piece);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return out;
}

// The options a command's Args accepts must be the ones its registry entry declares, with the
// same kind (value or flag); a mismatch is the developer's, reported as an internal error.
void checkDeclared(const std::vector<std::string>& value_options,
                   const std::vector<std::string>& flag_options) {
    const Command* c = Registry::current();
    if (!c) return;
    auto fail = [c](const std::string& what) {
        throw Error(ErrorKind::Internal,
                    fmt::format("certagent-cli {}: {} (agent/cli/cmd_*.cpp, CERTAGENT_CLI_COMMAND)",
                                c->name, what));
    };
    std::vector<std::string> accepted;
    auto check = [&](const std::vector<std::string>& list, bool takesValue) {
        for (const auto& name : list) {
            const Option* o = c->option(name);
            if (!o) fail("accepts " + name + " but does not declare it");
            if ((o->value != nullptr) != takesValue)
                fail(name + " is declared as " + (o->value ? "taking a value" : "a flag") +
                     " but parsed otherwise");
            accepted.push_back(name);
        }
    };
    check(value_options, true);
    check(flag_options, false);
    for (const auto& o : c->options)
        for (const auto& name : splitNames(o.names))
            if (std::find(accepted.begin(), accepted.end(), name) == accepted.end())
                fail("declares " + name + " but does not accept it");
}

}  // namespace

const Option* Command::option(const std::string& wanted) const {
    for (const auto& o : options)
        for (const auto& n : splitNames(o.names))
            if (n == wanted) return &o;
    return nullptr;
}

const std::vector<Option>& commonOptions() {
    static const std::vector<Option> common = {
        {"--json", nullptr, N_("machine-readable output (the same as the global --json)")},
        {"-h, --help", nullptr, N_("show this command's usage and options")},
    };
    return common;
}

std::vector<std::string> optionNames(const Option& o) { return splitNames(o.names); }

Args::Args(const std::vector<std::string>& args, std::vector<std::string> value_options,
           std::vector<std::string> flag_options) {
    checkDeclared(value_options, flag_options);
    auto has = [](const std::vector<std::string>& v, const std::string& s) {
        return std::find(v.begin(), v.end(), s) != v.end();
    };
    for (std::size_t i = 0; i < args.size(); ++i) {
        const auto& a = args[i];
        if (a == "--") {  // everything after it is an operand, even "-x"
            positionals_.insert(positionals_.end(), args.begin() + static_cast<long>(i) + 1,
                                args.end());
            break;
        }
        bool dashed = a.size() > 1 && a[0] == '-' && !std::isdigit(static_cast<unsigned char>(a[1]));
        if (!dashed) {
            positionals_.push_back(a);
            continue;
        }
        std::string name = a, inline_value;
        bool has_inline = false;
        if (auto eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos) {
            name = a.substr(0, eq);
            inline_value = a.substr(eq + 1);
            has_inline = true;
        }
        if (has(value_options, name)) {
            if (has_inline) {
                values_.emplace_back(name, inline_value);
            } else if (i + 1 < args.size()) {
                values_.emplace_back(name, args[++i]);
            } else {
                throw Error(ErrorKind::Usage,
                            fmt::format(fmt::runtime(_("option {0} needs a value")), name));
            }
        } else if (has(flag_options, name) && !has_inline) {
            flags_.push_back(name);
        } else {
            throw Error(ErrorKind::Usage, fmt::format(fmt::runtime(_("unknown option {0}")), name));
        }
    }
}

std::optional<std::string> Args::value(const std::string& name) const {
    for (auto it = values_.rbegin(); it != values_.rend(); ++it)
        if (it->first == name) return it->second;
    return std::nullopt;
}

bool Args::flag(const std::string& name) const {
    return std::find(flags_.begin(), flags_.end(), name) != flags_.end();
}

std::string certStatusText(token::CertStatus status) {
    switch (status) {
        case token::CertStatus::Valid: return _("valid");
        case token::CertStatus::Expiring: return _("expiring");
        case token::CertStatus::Expired: return _("expired");
    }
    return token::certStatusName(status);
}

std::string pinStateText(token::PinState state) {
    switch (state) {
        case token::PinState::Ok: return _("ok");
        case token::PinState::NotInitialized: return _("not_initialized");
        case token::PinState::CountLow: return _("count_low");
        case token::PinState::FinalTry: return _("final_try");
        case token::PinState::Locked: return _("locked");
        case token::PinState::ToBeChanged: return _("to_be_changed");
    }
    return token::pinStateName(state);
}

static std::size_t displayWidth(const std::string& s) {
    std::size_t n = 0;
    for (unsigned char c : s)
        if ((c & 0xC0) != 0x80) ++n;
    return n;
}

void printTable(const std::vector<std::string>& headers,
                const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> width(headers.size());
    for (std::size_t i = 0; i < headers.size(); ++i) width[i] = displayWidth(headers[i]);
    for (const auto& r : rows)
        for (std::size_t i = 0; i < r.size() && i < width.size(); ++i)
            width[i] = std::max(width[i], displayWidth(r[i]));
    auto line = [&](const std::vector<std::string>& cells) {
        std::string out;
        for (std::size_t i = 0; i < cells.size() && i < width.size(); ++i) {
            out += cells[i];
            if (i + 1 < cells.size()) out += std::string(width[i] - displayWidth(cells[i]) + 2, ' ');
        }
        std::cout << out << '\n';
    };
    line(headers);
    for (const auto& r : rows) line(r);
    std::cout.flush();
}

namespace {
std::vector<Command>& commands() {
    static std::vector<Command> list;
    return list;
}
const Command* g_current = nullptr;
}  // namespace

void Registry::add(const Command& c) { commands().push_back(c); }

const std::vector<Command>& Registry::all() { return commands(); }

std::vector<Command> Registry::sorted() {
    auto out = commands();
    std::sort(out.begin(), out.end(), [](const Command& a, const Command& b) {
        return std::string_view(a.name) < std::string_view(b.name);
    });
    return out;
}

const Command* Registry::find(const std::string& name) {
    for (const auto& c : commands())
        if (name == c.name) return &c;
    return nullptr;
}

void Registry::setCurrent(const Command* c) { g_current = c; }

const Command* Registry::current() { return g_current; }

}  // namespace certagent::cli
