#include "certagent/core/token/types.hpp"

#include <gtest/gtest.h>
#include <p11-kit/pkcs11.h>

using namespace certagent::token;

TEST(PinFlags, MostUrgentStateWinsAndTriesLeftOnlyWhenKnown) {
    auto f = PinFlags::fromTokenFlags(CKF_USER_PIN_INITIALIZED);
    EXPECT_EQ(f.state(), PinState::Ok);
    EXPECT_FALSE(f.triesLeft());

    f = PinFlags::fromTokenFlags(CKF_USER_PIN_INITIALIZED | CKF_USER_PIN_COUNT_LOW);
    EXPECT_EQ(f.state(), PinState::CountLow);
    EXPECT_FALSE(f.triesLeft());

    f = PinFlags::fromTokenFlags(CKF_USER_PIN_INITIALIZED | CKF_USER_PIN_COUNT_LOW |
                                 CKF_USER_PIN_FINAL_TRY);
    EXPECT_EQ(f.state(), PinState::FinalTry);
    EXPECT_EQ(f.triesLeft(), 1);

    f = PinFlags::fromTokenFlags(CKF_USER_PIN_INITIALIZED | CKF_USER_PIN_LOCKED);
    EXPECT_EQ(f.state(), PinState::Locked);
    EXPECT_EQ(f.triesLeft(), 0);

    f = PinFlags::fromTokenFlags(CKF_USER_PIN_INITIALIZED | CKF_USER_PIN_TO_BE_CHANGED);
    EXPECT_EQ(f.state(), PinState::ToBeChanged);
    EXPECT_STREQ(pinStateName(f.state()), "to_be_changed");

    EXPECT_EQ(PinFlags::fromTokenFlags(0).state(), PinState::NotInitialized);
}

TEST(PinFlags, SoPinFlagsAreReadFromTheirOwnBits) {
    auto so = PinFlags::fromSoFlags(CKF_USER_PIN_LOCKED | CKF_SO_PIN_COUNT_LOW);
    EXPECT_EQ(so.state(), PinState::CountLow);
    so = PinFlags::fromSoFlags(CKF_SO_PIN_FINAL_TRY | CKF_SO_PIN_COUNT_LOW);
    EXPECT_EQ(so.state(), PinState::FinalTry);
    EXPECT_EQ(so.triesLeft(), 1);
    so = PinFlags::fromSoFlags(CKF_SO_PIN_LOCKED);
    EXPECT_EQ(so.state(), PinState::Locked);
    EXPECT_EQ(PinFlags::fromSoFlags(CKF_SO_PIN_TO_BE_CHANGED).state(), PinState::ToBeChanged);
    EXPECT_EQ(PinFlags::fromSoFlags(CKF_USER_PIN_LOCKED).state(), PinState::Ok);
}
