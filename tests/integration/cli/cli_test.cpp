// certagent-cli as a user runs it: real binary, real files, exit codes and messages.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "temp_dir.hpp"

using certagent::testing::runProcess;
using certagent::testing::TempDir;
using certagent::testing::writeFile;

namespace {

struct Cli {
    TempDir home{"certagent-cli-home"};
    certagent::testing::ProcessResult run(std::vector<std::string> args,
                                          std::vector<std::string> env = {}) {
        args.insert(args.begin(), CERTAGENT_CLI);
        env.push_back("HOME=" + home.path().string());
        env.push_back("XDG_CONFIG_HOME=" + (home / "config").string());
        env.push_back("XDG_STATE_HOME=" + (home / "state").string());
        env.push_back("CERTAGENT_POLICY_FILE=" + (home / "policy.toml").string());
        if (std::none_of(env.begin(), env.end(),
                         [](const std::string& e) { return e.rfind("LANG=", 0) == 0; }))
            env.push_back("LANG=C.UTF-8");
        env.push_back("LANGUAGE=");
        env.push_back("LC_ALL=");
        return runProcess(args, env);
    }
};

}  // namespace

TEST(Cli, VersionPrintsVersionAndAbi) {
    Cli cli;
    auto r = cli.run({"--version"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.out.find("certagent-cli 0."), std::string::npos);
    EXPECT_NE(r.out.find("plugin ABI 2.1"), std::string::npos);
    auto j = nlohmann::json::parse(cli.run({"--version", "--json"}).out);
    EXPECT_EQ(j["plugin_abi"], "2.1");
}

TEST(Cli, PluginsJsonListsFirstPartyPluginsWithContractFields) {
    Cli cli;
    auto r = cli.run({"plugins", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto j = nlohmann::json::parse(r.out);
    ASSERT_TRUE(j.is_array());
    for (const auto& p : j)
        for (auto field : {"name", "kind", "version", "abi", "file"})
            EXPECT_TRUE(p.contains(field)) << field;
}

TEST(Cli, ConfigCheckReportsFileLineKeyAndFails) {
    Cli cli;
    writeFile(cli.home / "bad.toml", "[server]\nport = \"fifteen\"\n");
    auto r = cli.run({"--config", (cli.home / "bad.toml").string(), "config", "check"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find((cli.home / "bad.toml").string() +
                         ":2: error: key 'server.port': expected an integer from 1 to 65535, "
                         "got \"fifteen\""),
              std::string::npos)
        << r.err;
}

TEST(Cli, ConfigCheckAnswersInRomanianOnARomanianLocale) {
    Cli cli;
    writeFile(cli.home / "bad.toml", "[server]\nport = \"fifteen\"\n");
    auto r = cli.run({"--config", (cli.home / "bad.toml").string(), "config", "check"},
                     {"LANG=ro_RO.UTF-8"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find(":2: eroare: cheia „server.port”: se aștepta un număr întreg între 1 și "
                         "65535"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("Configurația are erori"), std::string::npos);
}

TEST(Cli, ConfigFromEnvironmentAndShowJsonNamesTheLayer) {
    Cli cli;
    writeFile(cli.home / "config/certagent/agent.toml", "[reminders]\ndays_before = [5]\n");
    writeFile(cli.home / "explicit.toml", "[server]\nport = 16001\n");
    auto r = cli.run({"config", "show", "--json"},
                     {"CERTAGENT_CONFIG=" + (cli.home / "explicit.toml").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["server.port"]["value"], 16001);
    EXPECT_EQ(j["server.port"]["layer"], "explicit");
    EXPECT_EQ(j["reminders.days_before"]["layer"], "user");
    EXPECT_EQ(j["reminders.days_before"]["line"], 2);
    EXPECT_EQ(j["log.level"]["layer"], "default");
}

TEST(Cli, PolicyLockedKeyIsShownLocked) {
    Cli cli;
    writeFile(cli.home / "policy.toml", "[policy]\nlocked = [\"server.enabled\"]\n");
    writeFile(cli.home / "config/certagent/agent.toml", "[server]\nenabled = true\n");
    auto r = cli.run({"config", "show", "--json"});
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["server.enabled"]["value"], false);
    EXPECT_EQ(j["server.enabled"]["locked"], true);
    EXPECT_NE(r.err.find("locked by the administrator's policy"), std::string::npos);
}

TEST(Cli, UsageErrorsExitWithTwo) {
    Cli cli;
    auto r = cli.run({"no-such-command"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("unknown command 'no-such-command'"), std::string::npos);
    EXPECT_EQ(cli.run({"config"}).exit_code, 2);
    EXPECT_EQ(cli.run({"plugins", "--bogus"}).exit_code, 2);
    auto j = cli.run({"--json", "config", "bogus"});
    EXPECT_EQ(j.exit_code, 2);
    EXPECT_EQ(nlohmann::json::parse(j.out)["error"]["code"], "usage");
}

namespace {

// The smallest PDF PoDoFo reads: one empty page, no signature.
void writeUnsignedPdf(const std::filesystem::path& file) {
    std::string out = "%PDF-1.4\n";
    std::vector<std::size_t> offsets;
    for (const char* body : {"<< /Type /Catalog /Pages 2 0 R >>",
                             "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                             "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"}) {
        offsets.push_back(out.size());
        out += std::to_string(offsets.size()) + " 0 obj\n" + body + "\nendobj\n";
    }
    const std::size_t xref = out.size();
    out += "xref\n0 4\n0000000000 65535 f \n";
    for (auto o : offsets) {
        char line[32];
        std::snprintf(line, sizeof line, "%010zu 00000 n \n", o);
        out += line;
    }
    out += "trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
    writeFile(file, out);
}

}  // namespace

#ifdef CERTAGENT_DOCUMENTS_MODULE
// PoDoFo lives in the documents module, loaded on first use: found next to the binaries in
// the build tree, and a clear error (no crash) where it is missing.
TEST(Cli, PdfWorkLoadsTheDocumentsModuleAndSaysWhenItIsMissing) {
    Cli cli;
    writeUnsignedPdf(cli.home / "plain.pdf");
    auto r = cli.run({"-v", "verify", (cli.home / "plain.pdf").string()});
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_NE(r.err.find("contains no signature"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("certagent-documents.so"), std::string::npos) << r.err;  // "loaded ..."

    // The same binary in a prefix without lib/certagent/certagent-documents.so.
    const auto bin = cli.home / "prefix" / "bin";
    std::filesystem::create_directories(bin);
    std::filesystem::copy_file(CERTAGENT_CLI, bin / "certagent-cli");
    auto args = std::vector<std::string>{(bin / "certagent-cli").string(), "verify",
                                         (cli.home / "plain.pdf").string()};
    auto missing = runProcess(args, {"HOME=" + cli.home.path().string(), "LANG=C.UTF-8",
                                     "CERTAGENT_POLICY_FILE=/nonexistent"});
    EXPECT_EQ(missing.exit_code, 1) << missing.out << missing.err;
    EXPECT_NE(missing.err.find("cannot be loaded"), std::string::npos) << missing.err;
    EXPECT_NE(missing.err.find("prefix/lib"), std::string::npos) << missing.err;
    EXPECT_EQ(missing.err.find("contains no signature"), std::string::npos) << missing.err;
}
#endif
