// certagent-cli pin change|unblock on SoftHSM2, checked with OpenSC's pkcs11-tool. SoftHSM2
// itself never blocks a PIN (a wrong one only raises COUNT_LOW; docs/tokens.md), so the
// blocked / final-try cases run through the PIN-counting module, which blocks after 3 tries as
// vendor tokens do.
#include "care_fixture.hpp"

using certagent::testing::CareFixture;
using certagent::testing::CareOptions;

namespace {

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST(PinChange, OldPinIsRefusedAndTheNewOneAcceptedByPkcs11Tool) {
    CareFixture f;
    auto r = f.cli({"pin", "change", "--token", f.token->serial, "--pin-env", "OLD",
                    "--new-pin-env", "NEW"},
                   {"OLD=123456", "NEW=24681357"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(has(r.out, "was changed")) << r.out;
    EXPECT_FALSE(f.loginWorks("123456"));
    EXPECT_TRUE(f.loginWorks("24681357"));
    // Neither PIN reached the command line, the output or the agent's log.
    EXPECT_FALSE(has(r.out + r.err, "24681357"));
    for (const auto& e : std::filesystem::recursive_directory_iterator(f.dir.path())) {
        if (e.is_regular_file() && e.path().extension() == ".log") {
            EXPECT_FALSE(has(certagent::testing::readFile(e.path()), "24681357")) << e.path();
        }
    }
}

TEST(PinChange, WrongCurrentPinCostsOneTryChangesNothingAndSaysWhatIsLeft) {
    CareFixture f({.countingModule = true});
    auto r = f.cli({"pin", "change", "--pin-env", "OLD", "--new-pin-env", "NEW"},
                   {"OLD=000000", "NEW=24681357"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(has(r.err, "The current PIN is wrong; the PIN was not changed.")) << r.err;
    EXPECT_TRUE(has(r.err, "Few tries are left")) << r.err;
    EXPECT_EQ(f.counters(), "1 0");  // exactly one try spent
    EXPECT_EQ(f.tokenJson()["pin_state"], "count_low");
    EXPECT_TRUE(f.loginWorks("123456"));
}

TEST(PinChange, NewPinBreakingTheVendorRulesIsRefusedBeforeTheTokenIsTouched) {
    CareFixture f({.countingModule = true, .strictPlugin = true});
    // The module states no PIN length range here (0-0), so the plugin's profile (6 to 8) is the
    // rule; where the module states one, the module's wins (docs/tokens.md).
    for (const char* bad : {"NEW=12345", "NEW=123456789"}) {
        auto r = f.cli({"pin", "change", "--pin-env", "OLD", "--new-pin-env", "NEW"},
                       {"OLD=000000", bad});
        EXPECT_EQ(r.exit_code, 1);
        EXPECT_TRUE(has(r.err, "The new PIN breaks the token's rules: The PIN has 6 to 8 "
                               "characters. Nothing was sent to the token."))
            << r.err;
    }
    EXPECT_EQ(f.counters(), "0 0");  // the wrong current PIN was never tried
    EXPECT_TRUE(f.loginWorks("123456"));
}

TEST(PinFlags, FinalTryAndBlockedShowAfterTheRightNumberOfWrongTriesAndListingSpendsNone) {
    CareFixture f({.countingModule = true, .strictPlugin = true});
    f.wrongLogins(1);
    auto t = f.tokenJson();
    EXPECT_EQ(t["pin_state"], "count_low");
    EXPECT_EQ(t["so_pin_name"], "SO PIN");
    EXPECT_TRUE(has(t["pin_advice"]["next"].get<std::string>(), "3 wrong PINs")) << t.dump();

    f.wrongLogins(1);
    t = f.tokenJson();
    EXPECT_EQ(t["pin_state"], "final_try");
    EXPECT_TRUE(t["pin_flags"]["final_try"].get<bool>());
    EXPECT_EQ(t["pin_advice"]["state"], "PIN: one try left");
    auto table = f.cli({"tokens"});
    EXPECT_TRUE(has(table.out, "final_try")) << table.out;
    EXPECT_TRUE(has(table.out, "unblock it with the SO PIN instead")) << table.out;

    f.wrongLogins(1);
    t = f.tokenJson();
    EXPECT_EQ(t["pin_state"], "locked");
    EXPECT_TRUE(t["pin_flags"]["locked"].get<bool>());
    EXPECT_EQ(t["pin_advice"]["state"], "PIN blocked");
    EXPECT_EQ(t["pin_advice"]["next"], "Unblock it with the SO PIN.");
    EXPECT_EQ(t["pin_advice"]["command"], "certagent-cli pin unblock --token " + f.token->serial);
    // tokens and certs read flags and objects only: no try was spent by certagent.
    f.cli({"tokens"});
    f.cli({"certs"});
    EXPECT_EQ(f.counters(), "3 0");
}

TEST(PinChange, OnTheFinalTryNeedsAConfirmationAndSpendsNothingWithoutIt) {
    CareFixture f({.countingModule = true});
    f.wrongLogins(2);
    ASSERT_EQ(f.tokenJson()["pin_state"], "final_try");
    auto r = f.cli({"pin", "change", "--pin-env", "OLD", "--new-pin-env", "NEW"},
                   {"OLD=123456", "NEW=24681357"});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_TRUE(has(r.err, "run again with --yes")) << r.err;
    EXPECT_EQ(f.counters(), "2 0");
    r = f.cli({"pin", "change", "--pin-env", "OLD", "--new-pin-env", "NEW", "--yes"},
              {"OLD=123456", "NEW=24681357"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(f.counters(), "0 0");
    EXPECT_TRUE(f.loginWorks("24681357"));
}

TEST(PinChange, ABlockedPinIsRefusedFromTheFlagsWithTheWayOut) {
    CareFixture f({.countingModule = true});
    f.wrongLogins(3);
    auto r = f.cli({"pin", "change", "--pin-env", "OLD", "--new-pin-env", "NEW"},
                   {"OLD=123456", "NEW=24681357"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(has(r.err, "The PIN is blocked, so it cannot be changed. Unblock it with the PUK "
                           "(SO PIN). Run: certagent-cli pin unblock --token " +
                               f.token->serial))
        << r.err;
}

TEST(PinUnblock, BlockedPinIsUnblockedWithTheSoPinAndTheNewPinWorks) {
    CareFixture f({.countingModule = true, .strictPlugin = true});
    f.wrongLogins(3);
    ASSERT_FALSE(f.loginWorks("123456"));  // blocked: even the right PIN is refused
    auto r = f.cli({"pin", "unblock", "--token", f.token->serial, "--so-pin-env", "SO",
                    "--new-pin-env", "NEW"},
                   {"SO=12345678", "NEW=7654321"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(has(r.out, "was unblocked")) << r.out;
    EXPECT_EQ(f.tokenJson()["pin_state"], "ok");
    EXPECT_TRUE(f.loginWorks("7654321"));
    EXPECT_FALSE(f.loginWorks("123456"));
}

TEST(PinUnblock, OnPlainSoftHsmTheSoPinSetsANewUserPin) {
    CareFixture f;
    auto r = f.cli({"pin", "unblock", "--so-pin-env", "SO", "--new-pin-env", "NEW"},
                   {"SO=12345678", "NEW=7654321"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(f.loginWorks("7654321"));
    EXPECT_FALSE(f.loginWorks("123456"));
}

TEST(PinUnblock, AWrongSoPinChangesNothingAndNamesItAsTheVendorDoes) {
    CareFixture f({.countingModule = true, .strictPlugin = true});
    f.wrongLogins(3);
    auto r = f.cli({"pin", "unblock", "--so-pin-env", "SO", "--new-pin-env", "NEW"},
                   {"SO=99999999", "NEW=7654321"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(has(r.err, "The SO PIN is wrong; nothing was changed. Few tries are left")) << r.err;
    EXPECT_EQ(f.counters(), "3 1");
    auto t = f.tokenJson();
    EXPECT_EQ(t["pin_state"], "locked");
    EXPECT_EQ(t["so_pin_state"], "count_low");
    // A blocked SO PIN is refused from the flags, without a try.
    f.cli({"pin", "unblock", "--so-pin-env", "SO", "--new-pin-env", "NEW"},
          {"SO=99999999", "NEW=7654321"});
    r = f.cli({"pin", "unblock", "--so-pin-env", "SO", "--new-pin-env", "NEW", "--yes"},
              {"SO=99999999", "NEW=7654321"});
    EXPECT_EQ(f.tokenJson()["so_pin_state"], "locked");
    r = f.cli({"pin", "unblock", "--so-pin-env", "SO", "--new-pin-env", "NEW"},
              {"SO=12345678", "NEW=7654321"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(has(r.err, "The SO PIN is blocked too: only the issuer of the token")) << r.err;
    EXPECT_EQ(f.counters(), "3 3");
}

TEST(PinChange, TokenPulledDuringTheChangeSaysSoAndTheOldPinStillWorks) {
    CareFixture f({.countingModule = true});
    auto r = f.cli({"pin", "change", "--pin-env", "OLD", "--new-pin-env", "NEW"},
                   {"OLD=123456", "NEW=24681357", "CERTAGENT_TEST_PIN_COUNTER_PULL=C_SetPIN"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(has(r.err, "removed or stopped responding while its PIN was being changed "
                           "(CKR_DEVICE_REMOVED)"))
        << r.err;
    EXPECT_TRUE(f.loginWorks("123456"));
}

TEST(PinUnblock, TokenPulledBeforeTheNewPinIsSetLeavesThePinBlocked) {
    CareFixture f({.countingModule = true});
    f.wrongLogins(3);
    auto r = f.cli({"pin", "unblock", "--so-pin-env", "SO", "--new-pin-env", "NEW"},
                   {"SO=12345678", "NEW=7654321", "CERTAGENT_TEST_PIN_COUNTER_PULL=C_InitPIN"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(has(r.err, "while the PIN was being unblocked (CKR_DEVICE_REMOVED)")) << r.err;
    EXPECT_EQ(f.tokenJson()["pin_state"], "locked");
    EXPECT_EQ(f.counters(), "3 0");
}

TEST(PinChange, SoftHsmTokenFolderGoneIsAClearErrorAndNothingIsHalfDone) {
    CareFixture f;
    f.hsm.removeToken(*f.token);
    auto r = f.cli({"pin", "change", "--token", f.token->serial, "--pin-env", "OLD",
                    "--new-pin-env", "NEW"},
                   {"OLD=123456", "NEW=24681357"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_FALSE(r.err.empty());
    EXPECT_TRUE(has(r.err, f.token->serial)) << r.err;
}

TEST(PinCommand, PinsOnlyFromATerminalOrNamedVariables) {
    CareFixture f;
    auto r = f.cli({"pin", "change"});  // no terminal, no variables
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_TRUE(has(r.err, "standard input is not a terminal; name an environment variable with "
                           "--pin-env"))
        << r.err;
    r = f.cli({"pin", "change", "--pin", "123456"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_TRUE(has(r.err, "unknown option --pin")) << r.err;
    r = f.cli({"pin", "unblock", "--pin-env", "X"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_TRUE(f.loginWorks("123456"));
}
