// certagent.process/1 and platform::runProcess (a plugin's configured hook, e.g. [reminders]
// command): argv without a shell, only the session's variables plus the plugin's, bounded
// runtime, and a request that is not well formed runs nothing.
#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>

#include "certagent/core/agent.hpp"
#include "certagent/core/app/extensions.hpp"
#include "certagent/core/platform/process.hpp"
#include "agent_options.hpp"
#include "temp_dir.hpp"

using namespace certagent;
using namespace std::chrono_literals;
using certagent::testing::readFile;
using certagent::testing::isolatedAgentOptions;
using certagent::testing::TempDir;
using certagent::testing::writeFile;

TEST(Process, GetsItsArgumentsVerbatimAndTheEnvironment) {
    TempDir dir;
    auto out = dir / "out.txt";
    // argv is exec'd as given: the agent adds no shell, so "$(...)" and ';' in an argument
    // arrive as plain text (the sh here is the test's own command, reading "$1").
    auto r = platform::runProcess(
        {"sh", "-c", "printf '%s|%s|%s' \"$1\" \"$CERTAGENT_TOKEN\" \"$PATH\" > \"$2\"", "sh",
         "a;$(echo no) b", out.string()},
        {"CERTAGENT_TOKEN=T1"}, 5s);
    EXPECT_TRUE(r.error.empty()) << r.error;
    EXPECT_EQ(r.exitCode, 0);
    EXPECT_EQ(readFile(out), std::string("a;$(echo no) b|T1|") + std::getenv("PATH"));
}

TEST(Process, NoVariableThatMayHoldAPinReachesTheProgram) {
    TempDir dir;
    auto out = dir / "env.txt";
    // What `--pin-env MY_TOKEN_PIN` reads, and what a test consent source reads.
    ::setenv("MY_TOKEN_PIN", "914273", 1);
    ::setenv("CERTAGENT_TEST_CONSENT_PIN_ENV", "MY_TOKEN_PIN", 1);
    auto r = platform::runProcess({"sh", "-c", "env > \"$1\"", "sh", out.string()},
                                  {"CERTAGENT_TOKEN=T1"}, 5s);
    ::unsetenv("MY_TOKEN_PIN");
    ::unsetenv("CERTAGENT_TEST_CONSENT_PIN_ENV");
    ASSERT_EQ(r.exitCode, 0) << r.error;
    auto env = readFile(out);
    EXPECT_EQ(env.find("914273"), std::string::npos) << env;
    EXPECT_EQ(env.find("MY_TOKEN_PIN"), std::string::npos) << env;
    EXPECT_NE(env.find("CERTAGENT_TOKEN=T1\n"), std::string::npos) << env;
    EXPECT_NE(env.find("PATH="), std::string::npos) << env;  // the session's basics stay
}

TEST(Process, IsStoppedAfterItsTimeoutOrWhenCancelled) {
    auto start = std::chrono::steady_clock::now();
    auto r = platform::runProcess({"sleep", "30"}, {}, 300ms);
    EXPECT_TRUE(r.timedOut);
    EXPECT_EQ(r.signal, SIGTERM);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
    start = std::chrono::steady_clock::now();
    auto c = platform::runProcess({"sleep", "30"}, {}, 30s, [] { return true; });
    EXPECT_EQ(c.signal, SIGTERM);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(Process, MissingProgramAndFailureAreReported) {
    auto r = platform::runProcess({"/nonexistent/certagent-hook"}, {}, 5s);
    EXPECT_FALSE(r.error.empty());
    EXPECT_FALSE(r.exitCode.has_value());
    auto f = platform::runProcess({"false"}, {}, 5s);
    EXPECT_TRUE(f.error.empty());
    EXPECT_EQ(f.exitCode, 1);
}

namespace {

// The extension as a plugin sees it: its own ca_host, the table looked up by name.
struct ExtensionFixture {
    TempDir dir{"certagent-process"};
    std::unique_ptr<Agent> agent;
    std::unique_ptr<PluginContext> plugin;
    const ca_process_v1* table = nullptr;

    ExtensionFixture() {
        writeFile(dir / "agent.toml", "");
        AgentOptions o = isolatedAgentOptions(dir.path());
        o.before_plugins = [](Agent& a) { app::installExtensions(a); };
        agent = std::make_unique<Agent>(std::move(o));
        plugin = agent->services().newPluginContext("test-hook");
        table = static_cast<const ca_process_v1*>(
            plugin->host.get_extension(plugin->host.ctx, CA_EXT_PROCESS));
    }
    std::pair<ca_status, nlohmann::json> run(const std::string& request) {
        std::string out;
        auto s = table->run(
            plugin->host.ctx, request.c_str(),
            [](void* u, const char* d, size_t n) { static_cast<std::string*>(u)->append(d, n); },
            &out);
        return {s, out.empty() ? nlohmann::json() : nlohmann::json::parse(out)};
    }
};

}  // namespace

TEST(ProcessExtension, RunsTheProgramAndSaysHowItEnded) {
    ExtensionFixture f;
    ASSERT_NE(f.table, nullptr);
    auto out = f.dir / "hook.txt";
    nlohmann::json request = {
        {"argv", {"sh", "-c", "echo \"$CERTAGENT_CERT_ID\" > \"$0\"; exit 3", out.string()}},
        {"env", {{"CERTAGENT_CERT_ID", "0a"}}},
        {"timeout_ms", 5000}};
    auto [s, j] = f.run(request.dump());
    ASSERT_EQ(s, CA_OK) << j.dump();
    EXPECT_EQ(j["exit_code"], 3);
    EXPECT_TRUE(j["signal"].is_null());
    EXPECT_FALSE(j["timed_out"].get<bool>());
    EXPECT_EQ(readFile(out), "0a\n");

    auto [missing, why] = f.run(R"({"argv": ["/nonexistent/certagent-hook"]})");
    EXPECT_EQ(missing, CA_ERR_FAILED);
    EXPECT_EQ(why["error"]["code"], "not_started");
    EXPECT_NE(why["error"]["message"].get<std::string>().find("/nonexistent/certagent-hook"),
              std::string::npos);
}

TEST(ProcessExtension, ARequestThatIsNotWellFormedRunsNothing) {
    ExtensionFixture f;
    auto marker = f.dir / "ran";
    const std::string touch = "\"argv\": [\"touch\", \"" + marker.string() + "\"]";
    for (const std::string& bad :
         {std::string("not json"), std::string("[]"), std::string(R"({"argv": []})"),
          std::string(R"({"argv": "touch x"})"), std::string(R"({"argv": ["", "x"]})"),
          "{" + touch + ", \"env\": [\"A=1\"]}", "{" + touch + ", \"env\": {\"A=B\": \"1\"}}",
          "{" + touch + ", \"env\": {\"A\": 1}}", "{" + touch + ", \"timeout_ms\": 5}",
          "{" + touch + ", \"timeout_ms\": 3600000}", "{" + touch + ", \"timeout_ms\": \"1s\"}"}) {
        auto [s, j] = f.run(bad);
        EXPECT_EQ(s, CA_ERR_INVALID_ARGUMENT) << bad;
        EXPECT_TRUE(j.contains("error")) << bad;
    }
    EXPECT_FALSE(std::filesystem::exists(marker));
}
