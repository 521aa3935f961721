// certagent-cli --generate man|bash|zsh|json: the man page's command sections and the shell
// completions, written from the command registry at build time (installers/linux/Linux.cmake),
// always in English (the C locale), whatever the builder's language.
#include <algorithm>
#include <cctype>
#include <istream>
#include <ostream>
#include <set>
#include <sstream>

#include "help.hpp"

namespace certagent::cli {
namespace {

using json = nlohmann::json;

// ---- reading the registry -----------------------------------------------------------------

bool isPlaceholder(const std::string& word) {
    return !word.empty() && std::isupper(static_cast<unsigned char>(word[0]));
}

std::vector<std::string> words(const std::string& form) {
    std::vector<std::string> out;
    std::string w;
    for (char ch : form) {
        if (ch == ' ' || ch == '[' || ch == ']') {
            if (!w.empty()) out.push_back(w);
            w.clear();
        } else {
            w += ch;
        }
    }
    if (!w.empty()) out.push_back(w);
    return out;
}

// The words that follow the command in its forms: subcommands ("check|show") and whether it
// takes file operands ("FILE", "FILE.pdf|FILE").
struct Operands {
    std::vector<std::string> subcommands;
    bool files = false;
};

Operands operandsOf(const Command& c) {
    Operands o;
    for (const auto& form : usageForms(c, c.usage)) {
        auto w = words(form);
        for (std::size_t i = 1; i < w.size(); ++i) {
            const auto& word = w[i];
            if (word[0] == '-') {
                const Option* opt = c.option(word);
                if (opt && opt->value) ++i;  // its value
                continue;
            }
            if (word == "|") continue;
            if (isPlaceholder(word)) {
                o.files |= word.find("FILE") != std::string::npos;
            } else if (i == 1) {
                std::stringstream in(word);
                std::string sub;
                while (std::getline(in, sub, '|'))
                    if (std::find(o.subcommands.begin(), o.subcommands.end(), sub) ==
                        o.subcommands.end())
                        o.subcommands.push_back(sub);
            }
        }
    }
    return o;
}

enum class ValueKind { None, Free, Files, Dirs, Choices };

ValueKind valueKind(const Option& o) {
    if (!o.value) return ValueKind::None;
    std::string v = o.value;
    if (v.find('|') != std::string::npos) return ValueKind::Choices;
    if (v == "DIR") return ValueKind::Dirs;
    for (const char* f : {"FILE", "PEM", "OUT", "PATH"})
        if (v.find(f) != std::string::npos) return ValueKind::Files;
    return ValueKind::Free;
}

std::string choices(const Option& o) {
    std::string v = o.value;
    std::replace(v.begin(), v.end(), '|', ' ');
    return v;
}

std::vector<const Option*> allOptions(const Command& c) {
    std::vector<const Option*> out;
    for (const auto& o : c.options) out.push_back(&o);
    for (const auto& o : commonOptions()) out.push_back(&o);
    return out;
}

// ---- man page (groff -man) ----------------------------------------------------------------

std::string roff(const std::string& text) {
    std::string out;
    for (char ch : text) {
        if (ch == '\\') out += "\\e";
        else if (ch == '-') out += "\\-";
        else out += ch;
    }
    return out;
}

// Running text: only backslashes need escaping; a line never starts with a control character.
std::string roffText(const std::string& text) {
    std::string out;
    for (char ch : text) out += ch == '\\' ? std::string("\\e") : std::string(1, ch);
    if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out = "\\&" + out;
    return out;
}

// A synopsis: options and literal words bold, placeholders italic, brackets and bars plain;
// a line breaks only between bracketed groups, never inside one.
std::string roffForm(const std::string& form) {
    std::string out, word;
    int depth = 0;
    auto flush = [&] {
        if (word.empty()) return;
        out += (isPlaceholder(word) ? "\\fI" : "\\fB") + roff(word) + "\\fR";
        word.clear();
    };
    for (char ch : form) {
        if (ch == ' ' || ch == '[' || ch == ']' || ch == '|') {
            flush();
            depth += ch == '[' ? 1 : ch == ']' ? -1 : 0;
            out += ch == ' ' && depth > 0 ? std::string("\\ ") : std::string(1, ch);
        } else {
            word += ch;
        }
    }
    flush();
    return out;
}

std::string sentence(std::string s) {
    if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
    if (!s.empty() && s.back() != '.') s += '.';
    return s;
}

void manOptions(std::ostream& out, const std::vector<const Option*>& options) {
    for (const auto* o : options) {
        out << ".TP\n";
        auto names = optionNames(*o);
        for (std::size_t i = 0; i < names.size(); ++i)
            out << (i ? ", " : "") << "\\fB" << roff(names[i]) << "\\fR";
        if (o->value) out << " \\fI" << roff(o->value) << "\\fR";
        out << '\n' << roffText(sentence(o->help)) << '\n';
    }
}

void manCommands(std::ostream& out) {
    for (const auto& c : Registry::sorted()) {
        out << ".SS " << roff(c.name) << '\n' << roffText(sentence(c.summary)) << '\n';
        out << ".PP\n.ad l\n";
        auto forms = usageForms(c, c.usage);
        for (std::size_t i = 0; i < forms.size(); ++i)
            out << (i ? ".br\n" : "") << "\\fBcertagent\\-cli\\fR " << roffForm(forms[i]) << '\n';
        out << ".ad\n";
        std::vector<const Option*> options;
        for (const auto& o : c.options) options.push_back(&o);
        manOptions(out, options);
    }
}

void man(std::istream& in, std::ostream& out) {
    std::string line;
    while (std::getline(in, line)) {
        if (line == ".\\\" generated: global options") {
            std::vector<const Option*> global;
            for (const auto& o : globalOptions()) global.push_back(&o);
            manOptions(out, global);
        } else if (line == ".\\\" generated: common options") {
            std::vector<const Option*> common;
            for (const auto& o : commonOptions()) common.push_back(&o);
            manOptions(out, common);
        } else if (line == ".\\\" generated: commands") {
            manCommands(out);
        } else {
            out << line << '\n';
        }
    }
}

// ---- bash ---------------------------------------------------------------------------------

std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : " ") + s;
    return out;
}

void bash(std::ostream& out) {
    std::vector<std::string> names, globals;
    for (const auto& c : Registry::sorted()) names.push_back(c.name);
    for (const auto& o : globalOptions())
        for (const auto& n : optionNames(o)) globals.push_back(n);
    out << R"(# bash completion for certagent-cli. Generated from its command registry
# (certagent-cli --generate bash); do not edit.
_certagent_cli_files() {
    if declare -F _filedir >/dev/null; then _filedir "$@"
    elif [ "$1" = -d ]; then mapfile -t COMPREPLY < <(compgen -d -- "$cur")
    else mapfile -t COMPREPLY < <(compgen -f -- "$cur"); fi
}
_certagent_cli() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    local i cmd="" sub="" opts="" subs="" files=0 ended=0
    for ((i = 1; i < COMP_CWORD; i++)); do
        local w=${COMP_WORDS[i]}
        if [ -z "$cmd" ]; then
            case $w in
                --config|--state-dir) ((i++)) ;;
                -*) ;;
                *) cmd=$w ;;
            esac
        elif [ "$w" = -- ]; then ended=1
        elif [ -z "$sub" ] && [ "${w:0:1}" != - ]; then sub=$w
        fi
    done
    if [ -z "$cmd" ]; then
        case $prev in
            --config) _certagent_cli_files; return ;;
            --state-dir) _certagent_cli_files -d; return ;;
        esac
        if [ "${cur:0:1}" = - ]; then
            mapfile -t COMPREPLY < <(compgen -W ")"
        << joined(globals) << R"(" -- "$cur")
        else
            mapfile -t COMPREPLY < <(compgen -W ")"
        << joined(names) << R"(" -- "$cur")
        fi
        return
    fi
    case $cmd in
)";
    for (const auto& c : Registry::sorted()) {
        auto ops = operandsOf(c);
        std::vector<std::string> optNames;
        out << "        " << c.name << ")\n";
        std::vector<std::string> freeValues, fileValues, dirValues;
        std::vector<std::pair<std::string, std::string>> choiceValues;
        for (const auto* o : allOptions(c))
            for (const auto& n : optionNames(*o)) {
                optNames.push_back(n);
                switch (valueKind(*o)) {
                    case ValueKind::Free: freeValues.push_back(n); break;
                    case ValueKind::Files: fileValues.push_back(n); break;
                    case ValueKind::Dirs: dirValues.push_back(n); break;
                    case ValueKind::Choices: choiceValues.emplace_back(n, choices(*o)); break;
                    case ValueKind::None: break;
                }
            }
        auto alternatives = [](const std::vector<std::string>& v) {
            std::string s;
            for (const auto& n : v) s += (s.empty() ? "" : "|") + n;
            return s;
        };
        out << "            [ $ended = 1 ] || case $prev in\n";
        if (!freeValues.empty()) out << "                " << alternatives(freeValues)
                                     << ") return ;;\n";
        if (!fileValues.empty()) out << "                " << alternatives(fileValues)
                                     << ") _certagent_cli_files; return ;;\n";
        if (!dirValues.empty()) out << "                " << alternatives(dirValues)
                                    << ") _certagent_cli_files -d; return ;;\n";
        for (const auto& [n, v] : choiceValues)
            out << "                " << n << ") mapfile -t COMPREPLY < <(compgen -W \"" << v
                << "\" -- \"$cur\"); return ;;\n";
        out << "            esac\n";
        out << "            opts=\"" << joined(optNames) << "\" subs=\"" << joined(ops.subcommands)
            << "\" files=" << (ops.files ? 1 : 0) << " ;;\n";
    }
    out << R"(    esac
    if [ $ended = 0 ] && [ "${cur:0:1}" = - ]; then
        mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
    elif [ -n "$subs" ] && [ -z "$sub" ]; then
        mapfile -t COMPREPLY < <(compgen -W "$subs" -- "$cur")
    elif [ $files = 1 ]; then
        _certagent_cli_files
    fi
}
complete -F _certagent_cli certagent-cli
)";
}

// ---- zsh ----------------------------------------------------------------------------------

// Text inside a zsh _arguments spec's [...] or a _describe entry, inside single quotes.
std::string zshText(const std::string& text) {
    std::string out;
    for (char ch : text) {
        if (ch == '\'') out += "'\\''";
        else if (ch == '[') out += '(';
        else if (ch == ']') out += ')';
        else if (ch == ':') out += "\\:";
        else out += ch;
    }
    return out;
}

std::string zshSpec(const Option& o) {
    auto names = optionNames(o);
    std::string action;
    switch (valueKind(o)) {
        case ValueKind::None: break;
        case ValueKind::Free: action = ":" + zshText(o.value) + ": "; break;
        case ValueKind::Files: action = ":" + zshText(o.value) + ":_files"; break;
        case ValueKind::Dirs: action = ":" + zshText(o.value) + ":_files -/"; break;
        case ValueKind::Choices: action = ":" + zshText(o.value) + ":(" + choices(o) + ")"; break;
    }
    std::string help = "[" + zshText(o.help) + "]";
    if (names.size() == 1) return "'" + names[0] + help + action + "'";
    // -v, -vv and --verbose may repeat; other aliases exclude each other.
    std::string group = "(" + joined(names) + ")";
    std::string braces;
    for (const auto& n : names) braces += (braces.empty() ? "" : ",") + n;
    return "'" + group + "'{" + braces + "}'" + help + action + "'";
}

void zsh(std::ostream& out) {
    out << R"(#compdef certagent-cli
# zsh completion for certagent-cli. Generated from its command registry
# (certagent-cli --generate zsh); do not edit.
_certagent_cli() {
    local curcontext=$curcontext state line
    local -a commands
    commands=(
)";
    for (const auto& c : Registry::sorted())
        out << "        '" << c.name << ":" << zshText(c.summary) << "'\n";
    out << "    )\n    _arguments -C \\\n";
    for (const auto& o : globalOptions())
        if (std::string(o.names).find("-vv") == std::string::npos)
            out << "        " << zshSpec(o) << " \\\n";
    out << "        '*'{-v,-vv,--verbose}'[more log output on stderr]' \\\n"
        << "        '1:command:->command' \\\n"
        << "        '*::argument:->argument'\n"
        << "    case $state in\n"
        << "        command) _describe -t commands 'certagent-cli command' commands ;;\n"
        << "        argument)\n"
        << "            case $words[1] in\n";
    for (const auto& c : Registry::sorted()) {
        auto ops = operandsOf(c);
        out << "                " << c.name << ") _arguments";
        for (const auto* o : allOptions(c)) out << " \\\n                    " << zshSpec(*o);
        if (!ops.subcommands.empty())
            out << " \\\n                    '1:subcommand:(" << joined(ops.subcommands) << ")'";
        else if (ops.files)
            out << " \\\n                    '*:file:_files'";
        out << " ;;\n";
    }
    out << R"(            esac ;;
    esac
}
_certagent_cli "$@"
)";
}

// ---- json (for tests) ---------------------------------------------------------------------

json optionsJson(const std::vector<Option>& options) {
    json list = json::array();
    for (const auto& o : options)
        list.push_back({{"names", optionNames(o)},
                        {"value", o.value ? json(o.value) : json(nullptr)},
                        {"help", o.help}});
    return list;
}

void registryJson(std::ostream& out) {
    json commands = json::array();
    for (const auto& c : Registry::sorted()) {
        auto ops = operandsOf(c);
        commands.push_back({{"name", c.name},
                            {"summary", c.summary},
                            {"usage", usageForms(c, c.usage)},
                            {"options", optionsJson(c.options)},
                            {"subcommands", ops.subcommands},
                            {"files", ops.files}});
    }
    out << json{{"global", optionsJson(globalOptions())},
                {"common", optionsJson(commonOptions())},
                {"commands", commands}}
               .dump(2)
        << '\n';
}

}  // namespace

bool generate(const std::string& format, std::istream& in, std::ostream& out) {
    if (format == "man") man(in, out);
    else if (format == "bash") bash(out);
    else if (format == "zsh") zsh(out);
    else if (format == "json") registryJson(out);
    else return false;
    return true;
}

}  // namespace certagent::cli
