// certagent-cli as people expect a command line tool to behave, and its reference material:
// every command has --help and parses exactly the options its registry entry declares, global
// options only come before the command, "--" ends options, usage errors go to stderr with exit 2,
// and the man page and completions the build generated name every command and option.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "lab.hpp"
#include "softhsm.hpp"
#include "temp_dir.hpp"

namespace certagent::testing {
namespace {
namespace fs = std::filesystem;
using json = nlohmann::json;

const fs::path kInstallers = CERTAGENT_INSTALLERS_DIR;

ProcessResult cli(std::vector<std::string> args, std::vector<std::string> env = {}) {
    args.insert(args.begin(), CERTAGENT_CLI);
    env.push_back("HOME=/nonexistent");
    env.push_back("CERTAGENT_POLICY_FILE=/nonexistent/policy.toml");
    bool lang = false;
    for (const auto& e : env) lang |= e.rfind("LANG=", 0) == 0;
    if (!lang) env.push_back("LANG=C.UTF-8");
    env.push_back("LANGUAGE=");
    return runProcess(args, env);
}

json registry() {
    auto r = cli({"--generate", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out);
}

std::vector<std::string> optionNames(const json& command) {
    std::vector<std::string> out;
    for (const auto& o : command["options"])
        for (const auto& n : o["names"]) out.push_back(n);
    return out;
}

TEST(CliReference, EveryCommandHasHelpWithItsUsageAndEveryOption) {
    auto reg = registry();
    ASSERT_GE(reg["commands"].size(), 12u);
    for (const auto& c : reg["commands"]) {
        const std::string name = c["name"];
        auto r = cli({name, "--help"});
        EXPECT_EQ(r.exit_code, 0) << name << r.err;
        EXPECT_NE(r.out.find("Usage: certagent-cli " + name), std::string::npos) << r.out;
        for (const auto& o : optionNames(c)) EXPECT_NE(r.out.find(o), std::string::npos) << name;
        EXPECT_NE(r.out.find("--json"), std::string::npos) << name;
        EXPECT_EQ(cli({name, "-h"}).out, r.out);
    }
}

TEST(CliReference, EveryCommandParsesExactlyTheOptionsItDeclares) {
    // Args checks its lists against the registry before it parses: a command that accepts an
    // option it did not declare (or declares one it does not accept) fails with an internal
    // error instead of this usage error.
    for (const auto& c : registry()["commands"]) {
        const std::string name = c["name"];
        auto r = cli({name, "--no-such-option"});
        EXPECT_EQ(r.exit_code, 2) << name << ": " << r.err;
        EXPECT_NE(r.err.find("unknown option --no-such-option"), std::string::npos) << r.err;
        EXPECT_NE(r.err.find("Try 'certagent-cli " + name + " --help'."), std::string::npos);
        EXPECT_EQ(r.out, "");
    }
}

TEST(CliReference, EveryOptionAUsageNamesIsDeclared) {
    auto reg = registry();
    std::vector<std::string> common;
    for (const auto& o : reg["common"])
        for (const auto& n : o["names"]) common.push_back(n);
    const std::regex option(R"((^|[\s\[|])(--?[a-z][a-z0-9-]*))");
    for (const auto& c : reg["commands"]) {
        auto names = optionNames(c);
        names.insert(names.end(), common.begin(), common.end());
        for (const auto& form : c["usage"]) {
            std::string f = form;
            for (std::sregex_iterator it(f.begin(), f.end(), option), end; it != end; ++it)
                EXPECT_NE(std::find(names.begin(), names.end(), (*it)[2].str()), names.end())
                    << c["name"] << ": " << f << " names " << (*it)[2];
        }
    }
}

TEST(CliReference, GlobalOptionsComeBeforeTheCommandAndUsageErrorsGoToStderr) {
    auto after = cli({"plugins", "--config", "x.toml"});
    EXPECT_EQ(after.exit_code, 2);
    EXPECT_NE(after.err.find("--config is a global option: put it before the command"),
              std::string::npos) << after.err;
    EXPECT_EQ(cli({"tokens", "-v"}).exit_code, 2);
    auto unknown = cli({"--frobnicate", "plugins"});
    EXPECT_EQ(unknown.exit_code, 2);
    EXPECT_NE(unknown.err.find("unknown global option --frobnicate"), std::string::npos);
    auto nothing = cli({});
    EXPECT_EQ(nothing.exit_code, 2);
    EXPECT_EQ(nothing.out, "");
    EXPECT_NE(nothing.err.find("Commands:"), std::string::npos);
    auto help = cli({"--help"});
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_NE(help.out.find("Commands:"), std::string::npos);
    EXPECT_EQ(help.err, "");
    auto command = cli({"frobnicate"});
    EXPECT_EQ(command.exit_code, 2);
    EXPECT_NE(command.err.find("unknown command 'frobnicate'"), std::string::npos);
    // --json stays every command's own option too, after the command.
    auto json_after = cli({"--config", "/nonexistent/x.toml", "config", "check", "--json"});
    EXPECT_TRUE(json::accept(json_after.out)) << json_after.out << json_after.err;
}

TEST(CliReference, DoubleDashEndsTheOptions) {
    TempDir dir("cli-dashdash");
    // After "--", "--help" and "-x.pdf" are operands: the file that is not there, not an option.
    auto r = cli({"verify", "--", "-x.pdf"});
    EXPECT_NE(r.err.find("-x.pdf"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("unknown option"), std::string::npos) << r.err;
    auto h = cli({"verify", "--", "--help"});
    EXPECT_EQ(h.out.find("Usage:"), std::string::npos) << h.out;
    EXPECT_NE(h.exit_code, 0);
}

TEST(CliReference, TheManPageHasEveryCommandAndOptionAndNoGroffWarnings) {
    auto page = kInstallers / "certagent-cli.1";
    ASSERT_TRUE(fs::exists(page));
    auto groff = runProcess({"groff", "-wall", "-man", "-Tutf8", "-z", page.string()});
    EXPECT_EQ(groff.exit_code, 0);
    EXPECT_EQ(groff.err, "");
    auto man = runProcess({"man", "--warnings", "-l", page.string()},
                          {"MANWIDTH=100", "LC_ALL=C.UTF-8", "MAN_DISABLE_SECCOMP=1"});
    EXPECT_EQ(man.exit_code, 0) << man.err;
    EXPECT_EQ(man.err, "");
    // man-db renders hyphens as U+2010 in places; compare on ASCII.
    std::string text = std::regex_replace(man.out, std::regex("\u2010|\u2212"), "-");
    for (const auto& c : registry()["commands"]) {
        EXPECT_NE(text.find("certagent-cli " + c["name"].get<std::string>()), std::string::npos)
            << c["name"];
        for (const auto& o : optionNames(c)) EXPECT_NE(text.find(o), std::string::npos) << o;
    }
    // What the hand-written page had lost (issue 20).
    for (const char* s : {"certagent-cli timestamp", "certagent-cli trusted-list",
                          "certagent-cli verify", "--cades", "--timestamp"})
        EXPECT_NE(text.find(s), std::string::npos) << s;
    EXPECT_NE(text.find("NOTES"), std::string::npos);  // the template's prose is kept
}

TEST(CliReference, BashCompletesCommandsOptionsChoicesAndSubcommands) {
    auto script = kInstallers / "certagent-cli.bash";
    ASSERT_TRUE(fs::exists(script));
    auto complete = [&](const std::string& line) {
        std::string program =
            "source '" + script.string() + "'\n" +
            "read -ra COMP_WORDS <<< \"$LINE\"\n"
            "[ \"${LINE: -1}\" = ' ' ] && COMP_WORDS+=('')\n"
            "COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))\n"
            "_certagent_cli\necho \"${COMPREPLY[*]}\"\n";
        auto r = runProcess({"bash", "--norc", "-c", program}, {"LINE=" + line});
        EXPECT_EQ(r.exit_code, 0) << r.err;
        return r.out.substr(0, r.out.find('\n'));
    };
    EXPECT_EQ(complete("certagent-cli ce"), "certs");
    EXPECT_EQ(complete("certagent-cli --st"), "--state-dir");
    EXPECT_EQ(complete("certagent-cli --config a.toml tru"), "trusted-list");
    EXPECT_EQ(complete("certagent-cli certs --fo"), "--format --force");
    EXPECT_EQ(complete("certagent-cli certs --format "), "der pem");
    EXPECT_EQ(complete("certagent-cli renew --years "), "1 2 3");
    EXPECT_EQ(complete("certagent-cli config "), "check show");
    EXPECT_EQ(complete("certagent-cli pin "), "change unblock");
    EXPECT_EQ(complete("certagent-cli sign --cad"), "--cades");
}

TEST(CliReference, ZshCompletesCommandsOptionsAndChoices) {
    if (runProcess({"sh", "-c", "command -v zsh"}).exit_code != 0)
        CERTAGENT_NEED_LAB("zsh is missing (tests/deps.sh installs it)");
    TempDir dir("cli-zsh");
    fs::copy_file(kInstallers / "_certagent-cli", dir / "_certagent-cli");
    auto complete = [&](const std::string& line) {
        auto r = runProcess({"zsh", "-f", CERTAGENT_ZSH_COMPLETE, dir.path().string(), line},
                            {"TMPDIR=" + dir.path().string()}, {}, 30);
        EXPECT_EQ(r.exit_code, 0) << r.err;
        auto out = r.out.substr(0, r.out.find('\n'));
        while (!out.empty() && out.back() == ' ') out.pop_back();
        return out;
    };
    EXPECT_EQ(complete("certagent-cli cer"), "certs");
    EXPECT_EQ(complete("certagent-cli certs --fo"), "--force --format");
    EXPECT_EQ(complete("certagent-cli certs --format "), "der pem");
    EXPECT_EQ(complete("certagent-cli config "), "check show");
}

TEST(CliReference, StatusWordsFollowTheLanguageAndJsonStaysEnglish) {
    SoftHsm hsm;
    auto& token = hsm.createToken("Ana token");
    hsm.addCertificate(token, {.commonName = "Ana Pop", .notAfterDays = 10});
    TempDir dir("cli-status");
    writeFile(dir / "agent.toml", "[pkcs11]\nextra_modules = [\"" +
                                      SoftHsm::modulePath().string() +
                                      "\"]\nuse_p11_kit = false\n");
    auto env = hsm.env();
    auto run = [&](std::vector<std::string> args, const std::string& lang) {
        args.insert(args.begin(), {"--config", (dir / "agent.toml").string(), "--state-dir",
                                   (dir / "state").string()});
        auto e = env;
        e.push_back("LANG=" + lang);
        return cli(args, e);
    };
    auto ro = run({"certs"}, "ro_RO.UTF-8");
    ASSERT_EQ(ro.exit_code, 0) << ro.err;
    EXPECT_NE(ro.out.find("expiră în curând"), std::string::npos) << ro.out;
    EXPECT_NE(ro.out.find("STARE"), std::string::npos) << ro.out;
    auto en = run({"certs"}, "C.UTF-8");
    EXPECT_NE(en.out.find("expiring"), std::string::npos) << en.out;
    auto tokens = run({"tokens"}, "ro_RO.UTF-8");
    EXPECT_NE(tokens.out.find("în regulă"), std::string::npos) << tokens.out;
    auto j = json::parse(run({"--json", "certs"}, "ro_RO.UTF-8").out);
    ASSERT_EQ(j.size(), 1u);
    EXPECT_EQ(j[0]["status"], "expiring");
    auto help = run({"certs", "--help"}, "ro_RO.UTF-8");
    EXPECT_NE(help.out.find("Utilizare: certagent-cli certs"), std::string::npos) << help.out;
    EXPECT_NE(help.out.find("doar certificatele de pe acest token"), std::string::npos);
}

}  // namespace
}  // namespace certagent::testing
