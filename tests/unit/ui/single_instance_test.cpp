#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "certagent/core/ui/single_instance.hpp"
#include "temp_dir.hpp"

namespace certagent::ui {
namespace {
using namespace std::chrono_literals;

bool waitFor(const std::atomic<int>& v, int value) {
    for (int i = 0; i < 200 && v.load() != value; ++i) std::this_thread::sleep_for(10ms);
    return v.load() == value;
}

TEST(SingleInstance, SecondAcquireFailsAndActivatesTheFirst) {
    testing::TempDir dir("ui-single");
    std::atomic<int> activations{0};
    auto first = SingleInstance::acquire(dir.path(), [&](const std::string&) { ++activations; });
    ASSERT_TRUE(first);
    EXPECT_TRUE(std::filesystem::exists(first->socketPath()));
    auto second = SingleInstance::acquire(dir.path(), [](const std::string&) {});
    EXPECT_FALSE(second);
    EXPECT_TRUE(waitFor(activations, 1));
}

TEST(SingleInstance, TheSecondStartPassesWhatItWasStartedFor) {
    testing::TempDir dir("ui-single");
    std::mutex m;
    std::vector<std::string> requests;
    std::atomic<int> activations{0};
    auto first = SingleInstance::acquire(dir.path(), [&](const std::string& r) {
        std::lock_guard l(m);
        requests.push_back(r);
        ++activations;
    });
    ASSERT_TRUE(first);
    EXPECT_FALSE(SingleInstance::acquire(dir.path(), [](const std::string&) {}, "renew 0A1B 01"));
    ASSERT_TRUE(waitFor(activations, 1));
    // Anything but a few plain words arrives as a plain activation.
    EXPECT_FALSE(SingleInstance::acquire(dir.path(), [](const std::string&) {},
                                         "renew $(rm -rf ~) ;"));
    ASSERT_TRUE(waitFor(activations, 2));
    EXPECT_FALSE(SingleInstance::acquire(dir.path(), [](const std::string&) {},
                                         std::string(300, 'a')));
    ASSERT_TRUE(waitFor(activations, 3));
    std::lock_guard l(m);
    EXPECT_EQ(requests, (std::vector<std::string>{"renew 0A1B 01", "", ""}));
}

TEST(SingleInstance, ReleasedWhenTheFirstGoes) {
    testing::TempDir dir("ui-single");
    {
        auto first = SingleInstance::acquire(dir.path(), [](const std::string&) {});
        ASSERT_TRUE(first);
    }
    auto again = SingleInstance::acquire(dir.path(), [](const std::string&) {});
    EXPECT_TRUE(again);
}

TEST(SingleInstance, StaleSocketFromACrashedInstanceIsReplaced) {
    testing::TempDir dir("ui-single");
    testing::writeFile(dir / "certagent.sock", "stale");
    std::atomic<int> activations{0};
    auto first = SingleInstance::acquire(dir.path(), [&](const std::string&) { ++activations; });
    ASSERT_TRUE(first);
    EXPECT_FALSE(SingleInstance::acquire(dir.path(), [](const std::string&) {}));
    EXPECT_TRUE(waitFor(activations, 1));
}

TEST(SingleInstance, RuntimeDirIsPrivate) {
    testing::TempDir dir("ui-single");
    auto old = std::getenv("XDG_RUNTIME_DIR");
    std::string saved = old ? old : "";
    setenv("XDG_RUNTIME_DIR", dir.path().c_str(), 1);
    auto rt = runtimeDir();
    EXPECT_EQ(rt, dir.path() / "certagent");
    auto perms = std::filesystem::status(rt).permissions();
    EXPECT_EQ(perms & std::filesystem::perms::all, std::filesystem::perms::owner_all);
    if (old)
        setenv("XDG_RUNTIME_DIR", saved.c_str(), 1);
    else
        unsetenv("XDG_RUNTIME_DIR");
}

}  // namespace
}  // namespace certagent::ui
