#include <gtest/gtest.h>

#include "certagent/core/i18n.hpp"
#include "certagent/core/ui/pin_tasks.hpp"

namespace certagent::ui {
namespace {

class PinTasksTest : public ::testing::Test {
protected:
    // init binds the catalogs (CERTAGENT_LOCALEDIR): ctest runs each test in its own process.
    void SetUp() override { i18n::init("en"); }
    token::TokenInfo token() const {
        token::TokenInfo t;
        t.serial = "S1";
        t.label = "Ion";
        t.minPinLength = 4;
        t.maxPinLength = 255;
        return t;
    }
    token::TokenProfile feitian() const {
        token::TokenProfile p;
        p.name = "epass2003auto";
        p.minPinLength = 6;
        p.maxPinLength = 8;
        p.unblockPinName = "SO PIN";
        return p;
    }
};

TEST_F(PinTasksTest, TheVendorsNameForTheSoPinElseTheGenericOne) {
    auto p = feitian();
    EXPECT_EQ(unblockPinName(&p), "SO PIN");
    EXPECT_EQ(unblockPinName(nullptr), "PUK (SO PIN)");
    auto policy = pinTaskPolicy(PinTask::Unblock, token(), &p);
    EXPECT_EQ(pinTaskSecretLabel(policy), "SO PIN");
    EXPECT_EQ(pinTaskTitle(policy), "Unblock the PIN of token „Ion” with the SO PIN");
}

TEST_F(PinTasksTest, TheNewPinFollowsTheModulesRangeAndTheProfileOnlyWhereTheModuleStatesNone) {
    auto p = feitian();
    // The module states 4..255 ("no maximum"): its range is what C_Login enforces.
    auto stated = pinTaskPolicy(PinTask::Change, token(), &p);
    EXPECT_EQ(checkPinTask(stated, "123456", "12345", "12345", false), PinTaskProblem::None);
    EXPECT_EQ(checkPinTask(stated, "123456", "123", "123", false), PinTaskProblem::NewPinTooShort);
    // A module stating none (0-0): the vendor profile's 6..8 stands in.
    auto t = token();
    t.minPinLength = 0;
    t.maxPinLength = 0;
    auto policy = pinTaskPolicy(PinTask::Change, t, &p);
    EXPECT_EQ(checkPinTask(policy, "123456", "12345", "12345", false), PinTaskProblem::NewPinTooShort);
    EXPECT_EQ(checkPinTask(policy, "123456", "123456789", "123456789", false),
              PinTaskProblem::NewPinTooLong);
    EXPECT_EQ(pinTaskProblemText(policy, PinTaskProblem::NewPinTooShort),
              "The new PIN breaks the token's rules: The PIN has 6 to 8 characters.");
    EXPECT_EQ(checkPinTask(policy, "123456", "654321", "654320", false), PinTaskProblem::Mismatch);
    EXPECT_EQ(checkPinTask(policy, "123456", "123456", "123456", false),
              PinTaskProblem::SameAsCurrent);
    EXPECT_EQ(checkPinTask(policy, "", "654321", "654321", false), PinTaskProblem::SecretEmpty);
    EXPECT_EQ(checkPinTask(policy, "123456", "654321", "654321", false), PinTaskProblem::None);
    // Characters, not bytes: "ăîâșț" is 5 characters.
    EXPECT_EQ(checkPinTask(policy, "123456", "ăîâșț1", "ăîâșț1", false), PinTaskProblem::None);
}

TEST_F(PinTasksTest, ABlockedPinCannotBeChangedAndABlockedSoPinCannotUnblock) {
    auto t = token();
    t.userPin.locked = true;
    auto change = pinTaskPolicy(PinTask::Change, t, nullptr);
    EXPECT_EQ(pinTaskBlocker(change),
              "The PIN is blocked, so it cannot be changed. Unblock it with the PUK (SO PIN).");
    EXPECT_EQ(checkPinTask(change, "1234", "5678", "5678", true), PinTaskProblem::Blocked);
    EXPECT_TRUE(pinTaskBlocker(pinTaskPolicy(PinTask::Unblock, t, nullptr)).empty());
    t.soPin.locked = true;
    EXPECT_NE(pinTaskBlocker(pinTaskPolicy(PinTask::Unblock, t, nullptr)).find("only the issuer"),
              std::string::npos);
}

TEST_F(PinTasksTest, TheLastTryOfTheSecretSpentNeedsConfirmation) {
    auto t = token();
    t.userPin.finalTry = true;
    auto change = pinTaskPolicy(PinTask::Change, t, nullptr);
    EXPECT_TRUE(pinTaskNeedsFinalTryConfirmation(change));
    EXPECT_EQ(checkPinTask(change, "1234", "5678", "5678", false),
              PinTaskProblem::NeedsConfirmation);
    EXPECT_EQ(checkPinTask(change, "1234", "5678", "5678", true), PinTaskProblem::None);
    EXPECT_EQ(pinTaskWarning(change), "Last try: one more wrong PIN blocks it.");
    // Unblocking spends an SO PIN try, not a user PIN try.
    EXPECT_FALSE(pinTaskNeedsFinalTryConfirmation(pinTaskPolicy(PinTask::Unblock, t, nullptr)));
    t.soPin.finalTry = true;
    EXPECT_TRUE(pinTaskNeedsFinalTryConfirmation(pinTaskPolicy(PinTask::Unblock, t, nullptr)));
}

TEST_F(PinTasksTest, APinPadTokenAsksNothingHere) {
    auto t = token();
    t.protectedAuthenticationPath = true;
    auto policy = pinTaskPolicy(PinTask::Change, t, nullptr);
    EXPECT_EQ(checkPinTask(policy, "", "", "", false), PinTaskProblem::None);
}

TEST_F(PinTasksTest, AdviceSaysTheStateAndWhatToDoNext) {
    token::PinFlags ok, so;
    EXPECT_TRUE(pinAdvice(ok, so, "SO PIN").empty());
    token::PinFlags locked;
    locked.locked = true;
    auto a = pinAdvice(locked, so, "SO PIN");
    EXPECT_EQ(a.state, "PIN blocked");
    EXPECT_EQ(a.next, "Unblock it with the SO PIN.");
    token::PinFlags low;
    low.countLow = true;
    EXPECT_EQ(pinAdvice(low, so, "SO PIN", 6).next,
              "Type it carefully: the token blocks it after 6 wrong PINs in a row.");
    token::PinFlags change;
    change.toBeChanged = true;
    EXPECT_EQ(pinAdvice(change, so, "PUK").state, "PIN must be changed");
    token::PinFlags soFinal;
    soFinal.finalTry = true;
    EXPECT_EQ(pinAdvice(ok, soFinal, "PUK").state, "PUK: one try left");
}

TEST_F(PinTasksTest, RomanianWording) {
    i18n::setLanguage("ro");
    token::PinFlags locked, so;
    locked.locked = true;
    auto a = pinAdvice(locked, so, "SO PIN");
    EXPECT_EQ(a.state, "PIN blocat");
    EXPECT_EQ(a.next, "Deblocați-l cu SO PIN.");
    i18n::setLanguage("en");
}

}  // namespace
}  // namespace certagent::ui
