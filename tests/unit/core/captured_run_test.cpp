// platform::runCaptured (NSS's modutil and certutil): both outputs kept apart, each bounded, the
// environment exactly as given, and a tool that hangs is killed at its timeout.
#include <gtest/gtest.h>

#include <chrono>

#include "certagent/core/platform/captured_run.hpp"

using namespace certagent;
using namespace std::chrono_literals;

TEST(CapturedRun, KeepsBothOutputsApartWithTheExitCode) {
    auto r = platform::runCaptured(
        {"sh", "-c", "printf 'out %s' \"$GREETING\"; printf 'err' >&2; exit 3"},
        {"GREETING=salut", "PATH=/usr/bin:/bin"}, 10s);
    EXPECT_EQ(r.exitCode, 3);
    EXPECT_EQ(r.out, "out salut");
    EXPECT_EQ(r.err, "err");
}

TEST(CapturedRun, KeepsTheFirstMegabyteOfAChattyToolAndLetsItFinish) {
    auto r = platform::runCaptured({"sh", "-c", "head -c 3000000 /dev/zero; echo done >&2"},
                                   {"PATH=/usr/bin:/bin"}, 30s);
    EXPECT_EQ(r.exitCode, 0);
    EXPECT_EQ(r.out.size(), platform::kCapturedOutputLimit);
    EXPECT_EQ(r.err, "done\n");
}

TEST(CapturedRun, KillsAToolThatOutlivesItsTimeout) {
    const auto start = std::chrono::steady_clock::now();
    auto r = platform::runCaptured({"sleep", "30"}, {"PATH=/usr/bin:/bin"}, 1s);
    EXPECT_EQ(r.exitCode, 128 + 9);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

TEST(CapturedRun, AMissingToolSaysWhy) {
    auto r = platform::runCaptured({"certagent-no-such-tool"}, {"PATH=/usr/bin:/bin"}, 5s);
    EXPECT_EQ(r.exitCode, -1);
    EXPECT_FALSE(r.err.empty());
}
