#include "certagent/core/platform/command_line.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <stdexcept>

namespace certagent::platform {

std::string quoteWindowsArgument(std::string_view arg) {
    if (!arg.empty() && arg.find_first_of(" \t\n\v\"") == std::string_view::npos)
        return std::string(arg);
    std::string out = "\"";
    std::size_t backslashes = 0;
    for (char c : arg) {
        if (c == '\\') {
            ++backslashes;
            continue;
        }
        // Backslashes count only before a quote: there each one is doubled and one more
        // escapes the quote itself.
        out.append(c == '"' ? backslashes * 2 + 1 : backslashes, '\\');
        backslashes = 0;
        out += c;
    }
    // Before the closing quote, doubled so that it stays a delimiter.
    out.append(backslashes * 2, '\\');
    return out + '"';
}

std::string windowsCommandLine(const std::vector<std::string>& argv) {
    if (argv.empty() || argv[0].empty())
        throw std::invalid_argument("a Windows command line needs a program");
    if (argv[0].find('"') != std::string::npos)
        throw std::invalid_argument("a program name with a double quote: " + argv[0]);
    std::string line = "\"" + argv[0] + "\"";
    for (std::size_t i = 1; i < argv.size(); ++i) line += " " + quoteWindowsArgument(argv[i]);
    return line;
}

namespace {

std::string upper(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace

std::string windowsEnvironmentBlock(const std::vector<std::string>& env) {
    std::map<std::string, std::string> byName;  // upper-case name -> "NAME=value"
    for (const auto& kv : env) {
        const auto eq = kv.find('=');
        if (eq == std::string::npos || eq == 0) continue;
        byName[upper(std::string_view(kv).substr(0, eq))] = kv;
    }
    std::string block;
    for (const auto& [name, kv] : byName) block += kv + '\0';
    // An empty block still needs its two nulls.
    if (block.empty()) block += '\0';
    return block + '\0';
}

std::vector<std::string> windowsProgramCandidates(const std::string& program,
                                                  std::string_view pathVariable) {
    const auto name = program.substr(program.find_last_of("\\/:") + 1);
    const bool hasExtension = name.find('.') != std::string::npos;
    std::vector<std::string> out;
    auto add = [&](const std::string& file) { out.push_back(hasExtension ? file : file + ".exe"); };
    if (program.find_first_of("\\/:") != std::string::npos) {
        add(program);
        return out;
    }
    while (!pathVariable.empty()) {
        const auto semicolon = pathVariable.find(';');
        std::string dir(pathVariable.substr(0, semicolon));
        pathVariable = semicolon == std::string_view::npos ? std::string_view()
                                                           : pathVariable.substr(semicolon + 1);
        dir.erase(std::remove(dir.begin(), dir.end(), '"'), dir.end());
        if (dir.empty()) continue;
        if (dir.back() != '\\' && dir.back() != '/') dir += '\\';
        add(dir + program);
    }
    return out;
}

}  // namespace certagent::platform
