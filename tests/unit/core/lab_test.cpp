// CERTAGENT_NEED_LAB (tests/fixtures/lab.hpp): a missing lab skips on a developer's machine and
// fails under CI=true, naming what to install.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <string>

#include "lab.hpp"

namespace {

// Restores CI when the test ends.
class CiVariable {
  public:
    explicit CiVariable(const char* value) {
        if (const char* v = std::getenv("CI")) old_ = v;
        if (value)
            setenv("CI", value, 1);
        else
            unsetenv("CI");
    }
    ~CiVariable() {
        if (old_)
            setenv("CI", old_->c_str(), 1);
        else
            unsetenv("CI");
    }

  private:
    std::optional<std::string> old_;
};

void needVicc() { CERTAGENT_NEED_LAB("the package vsmartcard-vpicc is not installed"); }

}  // namespace

TEST(Lab, AMissingLabFailsUnderCiNamingThePackage) {
    CiVariable ci("true");
    EXPECT_FATAL_FAILURE(needVicc(), "lab missing under CI=true: the package vsmartcard-vpicc");
}

// (The skip itself is not shown here: a skipped test would fail tests/run.sh under CI=true.)
TEST(Lab, OnlyCiTrueOrOneCountsAsCi) {
    {
        CiVariable ci(nullptr);
        EXPECT_FALSE(certagent::testing::runningInCi());
    }
    {
        CiVariable ci("false");
        EXPECT_FALSE(certagent::testing::runningInCi());
    }
    {
        CiVariable ci("1");
        EXPECT_TRUE(certagent::testing::runningInCi());
    }
}
