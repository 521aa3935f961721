#include <gtest/gtest.h>

#include "certagent/core/i18n.hpp"
#include "certagent/core/ui/pin_rules.hpp"

namespace certagent::ui {
namespace {

token::PinRequest request(token::PinState state = token::PinState::Ok, unsigned long min = 4,
                          unsigned long max = 255) {
    token::PinRequest r;
    r.token.serial = "SER1";
    r.token.label = "Alice";
    r.token.minPinLength = min;
    r.token.maxPinLength = max;
    r.state = state;
    if (state == token::PinState::FinalTry) r.triesLeft = 1;
    if (state == token::PinState::Locked) r.triesLeft = 0;
    return r;
}

class PinRules : public ::testing::Test {
protected:
    void SetUp() override { i18n::setLanguage("en"); }
};

TEST_F(PinRules, TheModulesOwnLengthRangeWinsOverTheProfile) {
    // ePass2003 through Feitian's libcastle reports 8-255; OpenSC's profile for it says 4-16.
    token::TokenProfile profile;
    profile.minPinLength = 4;
    profile.maxPinLength = 16;
    profile.pinTries = 10;
    auto p = pinPolicy(request(token::PinState::Ok, 8, 255), &profile);
    EXPECT_EQ(p.minLength, 8u);
    EXPECT_EQ(p.maxLength, 0u);  // a module's "255" maximum is no rule
    EXPECT_EQ(p.profileTries, 10);
    EXPECT_EQ(checkPin(p, std::string(20, '7'), false), PinProblem::None);  // libcastle takes it
    EXPECT_EQ(checkPin(p, "1234567", false), PinProblem::TooShort);
    EXPECT_EQ(pinLengthHint(p), "The PIN has at least 8 characters.");
    // The same token through OpenSC: OpenSC's range.
    auto q = pinPolicy(request(token::PinState::Ok, 4, 16), &profile);
    EXPECT_EQ(q.minLength, 4u);
    EXPECT_EQ(q.maxLength, 16u);
    EXPECT_EQ(pinLengthHint(q), "The PIN has 4 to 16 characters.");
}

TEST_F(PinRules, TheProfileRangeStandsInWhenTheModuleReportsNone) {
    token::TokenProfile profile;
    profile.minPinLength = 6;
    profile.maxPinLength = 16;
    auto p = pinPolicy(request(token::PinState::Ok, 0, 0), &profile);
    EXPECT_EQ(p.minLength, 6u);
    EXPECT_EQ(p.maxLength, 16u);
    auto none = pinPolicy(request(token::PinState::Ok, 0, 0), nullptr);
    EXPECT_EQ(pinLengthHint(none), "");
}

TEST_F(PinRules, CheckPinEnforcesLengthsInCharacters) {
    token::TokenProfile profile;
    profile.minPinLength = 4;
    profile.maxPinLength = 8;
    auto p = pinPolicy(request(token::PinState::Ok, 0, 0), &profile);
    EXPECT_EQ(checkPin(p, "", false), PinProblem::Empty);
    EXPECT_EQ(checkPin(p, "123", false), PinProblem::TooShort);
    EXPECT_EQ(checkPin(p, "123456789", false), PinProblem::TooLong);
    EXPECT_EQ(checkPin(p, "1234", false), PinProblem::None);
    EXPECT_EQ(checkPin(p, "ăîșț", false), PinProblem::None);  // 4 characters, 8 bytes
}

TEST_F(PinRules, FinalTryWarnsAndNeedsAnExplicitConfirmation) {
    auto p = pinPolicy(request(token::PinState::FinalTry), nullptr);
    EXPECT_TRUE(needsFinalTryConfirmation(p));
    EXPECT_EQ(pinWarning(p), "Last try: one more wrong PIN locks the token.");
    EXPECT_EQ(checkPin(p, "123456", false), PinProblem::NeedsConfirmation);
    EXPECT_EQ(checkPin(p, "123456", true), PinProblem::None);
}

TEST_F(PinRules, CountLowWarnsWithTheProfilesTryCount) {
    token::TokenProfile profile;
    profile.pinTries = 5;
    auto p = pinPolicy(request(token::PinState::CountLow), &profile);
    EXPECT_FALSE(needsFinalTryConfirmation(p));
    EXPECT_NE(pinWarning(p).find("locks after 5 wrong PINs"), std::string::npos);
    EXPECT_EQ(pinWarning(pinPolicy(request(), &profile)), "");
}

TEST_F(PinRules, LockedPinCannotBeSubmitted) {
    auto p = pinPolicy(request(token::PinState::Locked), nullptr);
    EXPECT_EQ(checkPin(p, "123456", true), PinProblem::Locked);
    EXPECT_NE(pinWarning(p).find("PUK"), std::string::npos);
}

TEST_F(PinRules, PinPadTokensAreFlagged) {
    auto r = request();
    r.token.protectedAuthenticationPath = true;
    EXPECT_TRUE(pinPolicy(r, nullptr).pinPad);
}

TEST_F(PinRules, CacheIsOffByDefaultAndHoldsNothingThen) {
    PinCache cache(false);
    cache.put("SER1", SecretString("123456"));
    EXPECT_FALSE(cache.get("SER1"));
}

TEST_F(PinRules, CacheOnRemembersPerTokenAndForgets) {
    PinCache cache(true);
    cache.put("SER1", SecretString("123456"));
    ASSERT_TRUE(cache.get("SER1"));
    EXPECT_EQ(cache.get("SER1")->reveal(), "123456");
    EXPECT_FALSE(cache.get("SER2"));
    cache.forget("SER1");
    EXPECT_FALSE(cache.get("SER1"));
    cache.put("SER1", SecretString("123456"));
    cache.setEnabled(false);
    cache.setEnabled(true);
    EXPECT_FALSE(cache.get("SER1"));  // turning it off wiped it
}

TEST_F(PinRules, CallbackAsksEveryTimeWithoutCache) {
    PinCache cache(false);
    int asked = 0;
    auto cb = makePinCallback(cache, [&](const PinPolicy& p) {
        ++asked;
        EXPECT_EQ(p.tokenSerial, "SER1");
        return std::optional<SecretString>(SecretString("123456"));
    });
    EXPECT_EQ(cb(request())->reveal(), "123456");
    EXPECT_EQ(cb(request())->reveal(), "123456");
    EXPECT_EQ(asked, 2);
}

TEST_F(PinRules, CallbackUsesTheCacheOnlyWhileThePinStateIsOk) {
    PinCache cache(true);
    int asked = 0;
    auto cb = makePinCallback(cache, [&](const PinPolicy&) {
        ++asked;
        return std::optional<SecretString>(SecretString("123456"));
    });
    cb(request());
    cb(request());
    EXPECT_EQ(asked, 1);
    // After a wrong PIN the token says CountLow: ask again, and drop the cached PIN.
    cb(request(token::PinState::CountLow));
    EXPECT_EQ(asked, 2);
}

TEST_F(PinRules, CancelReturnsNothingAndCachesNothing) {
    PinCache cache(true);
    auto cb = makePinCallback(cache, [](const PinPolicy&) { return std::optional<SecretString>(); });
    EXPECT_FALSE(cb(request()));
    EXPECT_FALSE(cache.get("SER1"));
}

TEST_F(PinRules, ProfileLookupFeedsThePolicy) {
    PinCache cache(false);
    token::TokenProfile profile;
    profile.minPinLength = 8;
    unsigned seen = 0;
    auto cb = makePinCallback(
        cache,
        [&](const PinPolicy& p) {
            seen = p.minLength;
            return std::optional<SecretString>();
        },
        [&](const token::TokenInfo&) { return &profile; });
    cb(request(token::PinState::Ok, 0, 0));
    EXPECT_EQ(seen, 8u);
}

}  // namespace
}  // namespace certagent::ui
