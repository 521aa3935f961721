#pragma once
// What CreateProcessW gets on Windows: the program, its command line, its environment block.
//
// The command line: Windows passes a program one string, and the program's
// C runtime (or CommandLineToArgvW) splits it back into argv by the MSVCRT rules
// ("Parsing C command-line arguments"): white space separates arguments, double quotes group,
// backslashes are literal except before a double quote, where 2n of them give n and the quote
// delimits, and 2n+1 give n and a literal quote. argv[0] is read differently: up to the next
// quote or white space, with no backslash rule, so it is only wrapped in quotes. No shell reads
// it: `&`, `|`, `^` and `%` are plain characters.
//
// Pure functions, built and tested on every OS (tests/unit/core/command_line_test.cpp).
#include <string>
#include <string_view>
#include <vector>

namespace certagent::platform {

// One argument (not the program) so that the MSVCRT rules give it back unchanged: left as it is
// when it has no space, tab, newline, vertical tab or double quote and is not empty; otherwise
// in double quotes, with the backslashes before a quote (or before the closing quote) doubled.
std::string quoteWindowsArgument(std::string_view arg);

// argv[0] in quotes, then every argument quoted as above, separated by one space. Throws
// std::invalid_argument when argv is empty or argv[0] is empty or holds a double quote (no
// Windows file name does; the rules have no way to write one there).
std::string windowsCommandLine(const std::vector<std::string>& argv);

// The environment block: "NAME=value" strings sorted by name without regard to case, each ended
// by a null character, and one more null at the end ("Changing environment variables"). A later
// string for the same name (compared without regard to case, as Windows does) replaces an
// earlier one; strings without a name are dropped.
std::string windowsEnvironmentBlock(const std::vector<std::string>& env);

// Where to look for `program` (posix_spawnp's PATH search, made explicit: CreateProcessW's own
// search would try the current folder first). A name with a folder in it (\, / or a drive
// colon) is used as it is; a bare name is tried in every folder of `pathVariable` (`;`-separated,
// quotes around an entry dropped, empty entries skipped). A name without an extension gets
// `.exe`, as CreateProcessW's own search does.
std::vector<std::string> windowsProgramCandidates(const std::string& program,
                                                  std::string_view pathVariable);

}  // namespace certagent::platform
