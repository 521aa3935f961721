// [reminders] command: argv without a shell, CERTAGENT_* environment, bounded runtime.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "certagent/core/reminders/command_runner.hpp"
#include "temp_dir.hpp"

using namespace certagent::reminders;
using namespace std::chrono_literals;
using certagent::testing::readFile;
using certagent::testing::TempDir;

TEST(ReminderCommand, GetsItsArgumentsVerbatimAndTheEnvironment) {
    TempDir dir;
    auto out = dir / "out.txt";
    // argv is exec'd as given: the agent adds no shell, so "$(...)" and ';' in an argument
    // arrive as plain text (the sh here is the test's own command, reading "$1").
    auto r = runCommand({"sh", "-c", "printf '%s|%s|%s' \"$1\" \"$CERTAGENT_TOKEN\" \"$PATH\" > \"$2\"",
                         "sh", "a;$(echo no) b", out.string()},
                        {"CERTAGENT_TOKEN=T1"}, 5s);
    EXPECT_TRUE(r.error.empty()) << r.error;
    EXPECT_EQ(r.exitCode, 0);
    EXPECT_EQ(readFile(out), std::string("a;$(echo no) b|T1|") + std::getenv("PATH"));
}

TEST(ReminderCommand, NoVariableThatMayHoldAPinReachesTheCommand) {
    TempDir dir;
    auto out = dir / "env.txt";
    // What `--pin-env MY_TOKEN_PIN` reads, and what a test consent source reads.
    ::setenv("MY_TOKEN_PIN", "914273", 1);
    ::setenv("CERTAGENT_TEST_CONSENT_PIN_ENV", "MY_TOKEN_PIN", 1);
    auto r = runCommand({"sh", "-c", "env > \"$1\"", "sh", out.string()},
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

TEST(ReminderCommand, IsStoppedAfterItsTimeout) {
    auto start = std::chrono::steady_clock::now();
    auto r = runCommand({"sleep", "30"}, {}, 300ms);
    EXPECT_TRUE(r.timedOut);
    EXPECT_EQ(r.signal, SIGTERM);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(ReminderCommand, MissingProgramAndFailureAreReported) {
    auto r = runCommand({"/nonexistent/certagent-hook"}, {}, 5s);
    EXPECT_FALSE(r.error.empty());
    auto f = runCommand({"false"}, {}, 5s);
    EXPECT_TRUE(f.error.empty());
    EXPECT_EQ(f.exitCode, 1);
}

TEST(ReminderCommand, RunnerRunsQueuedJobsInOrder) {
    TempDir dir;
    auto out = dir / "log.txt";
    CommandRunner runner({"sh", "-c", "echo \"$CERTAGENT_CERT_ID\" >> \"$0\"", out.string()}, 5s);
    runner.enqueue({"CERTAGENT_CERT_ID=01"});
    runner.enqueue({"CERTAGENT_CERT_ID=02"});
    runner.drain();
    EXPECT_EQ(readFile(out), "01\n02\n");
}
