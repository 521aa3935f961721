// certagent-cli timestamp against the sandbox TSA: FILE.tsr accepted by openssl ts -verify,
// --verify, --history, --quota, and a refused answer leaving nothing behind.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tsa_test_env.hpp"

namespace fs = std::filesystem;
using namespace certagent::testing;

namespace {

ProcessResult cli(TsaTestEnv& env, std::vector<std::string> args) {
    std::vector<std::string> argv = {CERTAGENT_CLI, "--config", env.config.string(), "--state-dir",
                                     env.state.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return runProcess(argv,
                      {std::string(kTsaPasswordEnv) + "=" + env.account.password,
                       "CERTAGENT_CONFIG=", "LANGUAGE=en"},
                      {}, 60);
}

}  // namespace

TEST(TimestampCli, MakesATsrThatOpensslVerifiesThenVerifiesAndListsIt) {
    TsaTestEnv env;
    auto file = env.tmp / "factura.pdf";
    writeFile(file, "%PDF-1.4\n% factură\n");
    auto r = cli(env, {"timestamp", file.string()});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("Timestamp saved"), std::string::npos) << r.out;
    auto tsr = fs::path(file.string() + ".tsr");
    ASSERT_TRUE(fs::exists(tsr));
    // The password never reaches output or the log.
    EXPECT_EQ(r.out.find(env.account.password), std::string::npos);
    EXPECT_EQ(r.err.find(env.account.password), std::string::npos);

    auto o = runProcess({"openssl", "ts", "-verify", "-data", file.string(), "-in", tsr.string(),
                         "-CAfile", env.ca.tsaTrust().string()});
    EXPECT_EQ(o.exit_code, 0) << o.out << o.err;
    EXPECT_NE(o.out.find("Verification: OK"), std::string::npos) << o.out;

    auto v = cli(env, {"--json", "timestamp", file.string(), "--verify"});
    ASSERT_EQ(v.exit_code, 0) << v.out << v.err;
    auto vj = nlohmann::json::parse(v.out);
    EXPECT_TRUE(vj.value("valid", false));

    auto h = cli(env, {"--json", "timestamp", "--history"});
    ASSERT_EQ(h.exit_code, 0) << h.out << h.err;
    auto hj = nlohmann::json::parse(h.out);
    ASSERT_EQ(hj["items"].size(), 1u);
    EXPECT_EQ(hj["items"][0]["file"], fs::absolute(file).string());
    EXPECT_EQ(hj["items"][0]["tsa_serial"], vj["tsa_serial"]);

    auto q = cli(env, {"--json", "timestamp", "--quota"});
    ASSERT_EQ(q.exit_code, 0) << q.out << q.err;
    auto qj = nlohmann::json::parse(q.out);
    EXPECT_TRUE(qj.value("known", false));
    EXPECT_EQ(qj.value("remaining", -1), 49);

    // A second timestamp does not overwrite the first without --force.
    auto again = cli(env, {"timestamp", file.string()});
    EXPECT_EQ(again.exit_code, 2) << again.err;

    writeFile(file, "%PDF-1.4\n% altă factură\n");
    auto bad = cli(env, {"timestamp", file.string(), "--verify"});
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_NE(bad.err.find("does not match its timestamp"), std::string::npos) << bad.err;
}

TEST(TimestampCli, RefusedAnswerLeavesNoTsrAndNoHistory) {
    TsaTestEnv env;
    // Anchors of another sandbox CA: every real answer from this TSA is then untrusted.
    auto other = env.tmp / "other-anchor.pem";
    TempDir foreign_dir("certagent-tsa-foreign");
    SandboxCa foreign(foreign_dir / "ca");
    fs::copy_file(foreign.dir() / "trust" / "tsa-trust.pem", other);
    env.writeConfig(10);
    auto text = readFile(env.config);
    auto pos = text.find(env.ca.tsaTrust().string());
    text.replace(pos, env.ca.tsaTrust().string().size(), other.string());
    writeFile(env.config, text);

    auto file = env.tmp / "doc.txt";
    writeFile(file, "doc");
    auto r = cli(env, {"timestamp", file.string()});
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_NE(r.err.find("is not trusted"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(file.string() + ".tsr"));
    auto h = cli(env, {"--json", "timestamp", "--history"});
    ASSERT_EQ(h.exit_code, 0) << h.err;
    EXPECT_TRUE(nlohmann::json::parse(h.out)["items"].empty());
}
