// certagent-cli --help and certagent-cli COMMAND --help, from the registry (translated).
#include "help.hpp"

#include <fmt/format.h>

#include <ostream>

#include "certagent/core/i18n.hpp"

namespace certagent::cli {
namespace {

std::size_t displayWidth(const std::string& s) {
    std::size_t n = 0;
    for (unsigned char c : s)
        if ((c & 0xC0) != 0x80) ++n;
    return n;
}

std::string optionColumn(const Option& o) {
    std::string s = o.names;
    if (o.value) s += std::string(" ") + _(o.value);
    return s;
}

void printOptions(std::ostream& out, const std::vector<const Option*>& options) {
    std::size_t width = 0;
    for (auto* o : options) width = std::max(width, displayWidth(optionColumn(*o)));
    for (auto* o : options) {
        auto col = optionColumn(*o);
        out << "  " << col << std::string(width - displayWidth(col) + 2, ' ') << _(o->help)
            << '\n';
    }
}

}  // namespace

const std::vector<Option>& globalOptions() {
    static const std::vector<Option> global = {
        {"--config", "PATH", N_("configuration file (else $CERTAGENT_CONFIG)")},
        {"--state-dir", "DIR", N_("state folder (else $CERTAGENT_STATE_DIR)")},
        {"--json", nullptr, N_("machine-readable output")},
        {"-v, -vv, --verbose", nullptr, N_("more log output on stderr")},
        {"--version", nullptr, N_("print the version")},
        {"-h, --help", nullptr, N_("show this help (COMMAND --help: that command's)")},
    };
    return global;
}

std::vector<std::string> usageForms(const Command& c, const std::string& usage) {
    std::vector<std::string> forms;
    std::size_t start = 0;
    const std::string name = c.name;
    while (true) {
        auto bar = usage.find(" | ", start);
        auto form = usage.substr(start, bar == std::string::npos ? std::string::npos : bar - start);
        if (form != name && form.rfind(name + " ", 0) != 0) form = name + " " + form;
        forms.push_back(form);
        if (bar == std::string::npos) break;
        start = bar + 3;
    }
    return forms;
}

void printHelp(std::ostream& out) {
    out << _("Usage: certagent-cli [--config PATH] [--state-dir DIR] [--json] [-v] COMMAND "
             "[ARGS]")
        << "\n\n"
        << _("Commands:") << "\n";
    for (const auto& c : Registry::sorted())
        out << fmt::format("  {:<13} {}\n", c.name, _(c.summary));
    out << "\n" << _("Global options (before the command):") << "\n";
    std::vector<const Option*> global;
    for (const auto& o : globalOptions()) global.push_back(&o);
    printOptions(out, global);
    out << "\n"
        << _("Run 'certagent-cli COMMAND --help' for a command's options; '--' ends the options.")
        << "\n"
        << _("Exit codes: 0 success, 1 failure, 2 usage error.") << "\n";
}

void printCommandHelp(std::ostream& out, const Command& c) {
    auto forms = usageForms(c, _(c.usage));
    for (std::size_t i = 0; i < forms.size(); ++i) {
        auto prefix = i == 0 ? std::string(_("Usage:")) : std::string();
        if (i > 0) prefix = std::string(displayWidth(_("Usage:")), ' ');
        out << prefix << " certagent-cli " << forms[i] << '\n';
    }
    out << '\n' << _(c.summary) << "\n\n" << _("Options:") << '\n';
    std::vector<const Option*> options;
    for (const auto& o : c.options) options.push_back(&o);
    for (const auto& o : commonOptions()) options.push_back(&o);
    printOptions(out, options);
    out << '\n'
        << _("Global options (--config, --state-dir, -v) come before the command: "
             "certagent-cli --help.")
        << '\n';
}

}  // namespace certagent::cli
