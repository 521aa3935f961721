// The Windows command line CreateProcessW gets (platform/command_line.hpp), checked on Linux
// against a reader written from Microsoft's "Parsing C command-line arguments": each argument
// must come back exactly as it went in.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "certagent/core/platform/command_line.hpp"

using certagent::platform::quoteWindowsArgument;
using certagent::platform::windowsCommandLine;

namespace {

// The MSVC runtime's reading of a command line. argv[0]: up to white space outside quotes,
// quotes dropped, no backslash rule. Then: white space separates; 2n backslashes and a quote give
// n backslashes and the quote delimits; 2n+1 give n and a literal quote; other backslashes are
// literal. (What a doubled quote inside quotes gives has changed between runtime versions and
// Microsoft's own table; quoteWindowsArgument never writes one, so this reader leaves it out.)
std::vector<std::string> msvcrtArgv(const std::string& line) {
    std::vector<std::string> argv;
    std::size_t i = 0;
    std::string program;
    bool quoted = false;
    for (; i < line.size() && (quoted || (line[i] != ' ' && line[i] != '\t')); ++i) {
        if (line[i] == '"')
            quoted = !quoted;
        else
            program += line[i];
    }
    argv.push_back(program);
    for (;;) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
        if (i >= line.size()) return argv;
        std::string arg;
        quoted = false;
        for (; i < line.size(); ++i) {
            const char c = line[i];
            if (!quoted && (c == ' ' || c == '\t')) break;
            if (c == '\\') {
                std::size_t n = 0;
                while (i < line.size() && line[i] == '\\') ++n, ++i;
                if (i < line.size() && line[i] == '"') {
                    arg.append(n / 2, '\\');
                    if (n % 2) {
                        arg += '"';
                        continue;
                    }
                    --i;  // the quote delimits: seen on the next turn
                } else {
                    arg.append(n, '\\');
                    --i;
                }
                continue;
            }
            if (c == '"') {
                quoted = !quoted;
                continue;
            }
            arg += c;
        }
        argv.push_back(arg);
    }
}

}  // namespace

TEST(WindowsCommandLine, TheReaderAgreesWithMicrosoftsTable) {
    using V = std::vector<std::string>;
    EXPECT_EQ(msvcrtArgv(R"(p "a b c" d e)"), (V{"p", "a b c", "d", "e"}));
    EXPECT_EQ(msvcrtArgv(R"(p "ab\"c" "\\" d)"), (V{"p", "ab\"c", "\\", "d"}));
    EXPECT_EQ(msvcrtArgv(R"(p a\\\b d"e f"g h)"), (V{"p", R"(a\\\b)", "de fg", "h"}));
    EXPECT_EQ(msvcrtArgv(R"(p a\\\"b c d)"), (V{"p", R"(a\"b)", "c", "d"}));
    EXPECT_EQ(msvcrtArgv(R"(p a\\\\"b c" d e)"), (V{"p", R"(a\\b c)", "d", "e"}));
    EXPECT_EQ(msvcrtArgv(R"("C:\Program Files\x\"  y)"), (V{R"(C:\Program Files\x\)", "y"}));
}

TEST(WindowsCommandLine, PlainArgumentsStayAsTheyAre) {
    EXPECT_EQ(quoteWindowsArgument("-dbdir"), "-dbdir");
    EXPECT_EQ(quoteWindowsArgument(R"(sql:C:\Users\ana\nssdb\)"), R"(sql:C:\Users\ana\nssdb\)");
    EXPECT_EQ(quoteWindowsArgument("a&b|c^d%PATH%"), "a&b|c^d%PATH%");  // no shell reads it
}

TEST(WindowsCommandLine, QuotesAndTheBackslashesBeforeThemAreEscaped) {
    EXPECT_EQ(quoteWindowsArgument(""), R"("")");
    EXPECT_EQ(quoteWindowsArgument("My Token"), R"("My Token")");
    EXPECT_EQ(quoteWindowsArgument(R"(say "hi")"), R"("say \"hi\"")");
    EXPECT_EQ(quoteWindowsArgument(R"(a\"b)"), R"("a\\\"b")");
    EXPECT_EQ(quoteWindowsArgument(R"(C:\My Dir\)"), R"("C:\My Dir\\")");
    EXPECT_EQ(quoteWindowsArgument(R"(a\b c)"), R"("a\b c")");
}

TEST(WindowsCommandLine, EveryArgumentComesBackUnchanged) {
    const std::vector<std::string> argv = {R"(C:\Program Files\NSS\modutil.exe)",
                                           "-add",
                                           "My SoftHSM",
                                           "",
                                           R"(C:\path with space\)",
                                           R"(\\server\share\)",
                                           R"(ends with one\)",
                                           R"(ends with two\\)",
                                           "\"",
                                           "\\\"",
                                           "\\\\\"",
                                           R"("quoted" and \"escaped\")",
                                           "tab\there",
                                           "new\nline",
                                           "vertical\vtab",
                                           "  leading and trailing  ",
                                           "ăîșțâ €",
                                           "a\"\"b",
                                           "%PATH% & ^ | < >"};
    EXPECT_EQ(msvcrtArgv(windowsCommandLine(argv)), argv) << windowsCommandLine(argv);
}

TEST(WindowsCommandLine, TheProgramIsQuotedWithoutEscapes) {
    EXPECT_EQ(windowsCommandLine({R"(C:\Tools\certutil.exe)", "-L"}),
              R"("C:\Tools\certutil.exe" -L)");
    EXPECT_EQ(windowsCommandLine({"modutil"}), R"("modutil")");
    EXPECT_THROW(windowsCommandLine({}), std::invalid_argument);
    EXPECT_THROW(windowsCommandLine({""}), std::invalid_argument);
    EXPECT_THROW(windowsCommandLine({"a\"b"}), std::invalid_argument);
}

TEST(WindowsEnvironmentBlock, IsSortedWithoutRegardToCaseAndEndsInTwoNulls) {
    using namespace std::string_literals;
    EXPECT_EQ(certagent::platform::windowsEnvironmentBlock(
                  {"b=2", "Path=C:\\bin", "A=1", "noequals", "=C:=C:\\", "PATH=D:\\bin"}),
              "A=1\0b=2\0PATH=D:\\bin\0\0"s);
    EXPECT_EQ(certagent::platform::windowsEnvironmentBlock({}), "\0\0"s);
}

TEST(WindowsProgramCandidates, SearchesPathForABareNameOnly) {
    using certagent::platform::windowsProgramCandidates;
    using V = std::vector<std::string>;
    EXPECT_EQ(windowsProgramCandidates("modutil", R"(C:\NSS\bin;;"C:\Program Files\x";D:\y\)"),
              (V{R"(C:\NSS\bin\modutil.exe)", R"(C:\Program Files\x\modutil.exe)",
                 R"(D:\y\modutil.exe)"}));
    EXPECT_EQ(windowsProgramCandidates("certutil.exe", R"(C:\a)"), (V{R"(C:\a\certutil.exe)"}));
    EXPECT_EQ(windowsProgramCandidates(R"(C:\Tools\hook)", R"(C:\a)"), (V{R"(C:\Tools\hook.exe)"}));
    EXPECT_EQ(windowsProgramCandidates(R"(.\hook.exe)", R"(C:\a)"), (V{R"(.\hook.exe)"}));
    EXPECT_EQ(windowsProgramCandidates("modutil", ""), V{});
}
