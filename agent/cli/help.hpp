#pragma once
// What certagent-cli says about itself, all from the command registry (command.hpp): --help,
// COMMAND --help, and, at build time, the man page and the bash and zsh completions
// (certagent-cli --generate man|bash|zsh, run by installers/linux/Linux.cmake), so none of
// them can fall behind the commands.
#include <iosfwd>
#include <string>
#include <vector>

#include "command.hpp"

namespace certagent::cli {

// The global options, which come before the command.
const std::vector<Option>& globalOptions();

// "certs [--token SERIAL] | certs --details ID" -> {"certs [--token SERIAL]",
// "certs --details ID"}; a form that does not start with the command's name gets it.
std::vector<std::string> usageForms(const Command& c, const std::string& usage);

void printHelp(std::ostream& out);                        // certagent-cli --help
void printCommandHelp(std::ostream& out, const Command& c);  // certagent-cli COMMAND --help

// "man" (groff: the template read from `in`, its lines `.\" generated: global options`,
// `... common options` and `... commands` replaced by those sections), "bash", "zsh" or "json"
// (the registry, for tests). false: unknown format.
bool generate(const std::string& format, std::istream& in, std::ostream& out);

}  // namespace certagent::cli
