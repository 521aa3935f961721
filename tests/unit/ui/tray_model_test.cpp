#include <gtest/gtest.h>

#include "certagent/core/i18n.hpp"
#include "ui_test_data.hpp"

namespace certagent::ui {
namespace {
using namespace testdata;

class TrayModel : public ::testing::Test {
protected:
    void SetUp() override { i18n::setLanguage("en"); }
};

TEST_F(TrayModel, NoTokenShowsNoTokenStateAndSaysSo) {
    auto p = presentTray({});
    EXPECT_EQ(p.state, TrayState::NoToken);
    EXPECT_NE(p.tooltip.find("No token connected"), std::string::npos);
    EXPECT_FALSE(p.nearest);
}

TEST_F(TrayModel, AllValidNamesTheNearestExpiry) {
    TraySnapshot s{{tokenWith({cert("Ion Popescu", 200), cert("Ana Pop", 90, "02")})}};
    auto p = presentTray(s);
    EXPECT_EQ(p.state, TrayState::AllValid);
    ASSERT_TRUE(p.nearest);
    EXPECT_EQ(p.nearest->holder, "Ana Pop");
    EXPECT_NE(p.tooltip.find("All certificates are valid"), std::string::npos);
    EXPECT_NE(p.tooltip.find("Ana Pop, expires in 90 days"), std::string::npos) << p.tooltip;
}

TEST_F(TrayModel, ExpiringSoonWhenOneCertificateIsInsideTheWindow) {
    TraySnapshot s{{tokenWith({cert("Ion Popescu", 200), cert("Ana Pop", 10, "02")})}};
    auto p = presentTray(s);
    EXPECT_EQ(p.state, TrayState::ExpiringSoon);
    EXPECT_NE(p.tooltip.find("expires in 10 days"), std::string::npos);
}

TEST_F(TrayModel, ExpiredOutranksExpiring) {
    TraySnapshot s{{tokenWith({cert("Old", -3), cert("Soon", 5, "02")})}};
    auto p = presentTray(s);
    EXPECT_EQ(p.state, TrayState::Expired);
    EXPECT_NE(p.tooltip.find("expired 3 days ago"), std::string::npos) << p.tooltip;
}

TEST_F(TrayModel, WorkingWhileARenewalRunsOrADocumentIsSigned) {
    TraySnapshot s{{tokenWith({cert("Ion", 10)})}};
    s.renewals.push_back({"r1", "SER1", "01", "Ion", "Pay by card", "in progress", true});
    auto p = presentTray(s);
    EXPECT_EQ(p.state, TrayState::Working);
    EXPECT_NE(p.tooltip.find("Renewal in progress: Pay by card"), std::string::npos);
    // The nearest expiry is still told while working.
    EXPECT_NE(p.tooltip.find("Nearest expiry: Ion"), std::string::npos);

    TraySnapshot signing{{tokenWith({cert("Ion", 100)})}};
    signing.signing = true;
    EXPECT_EQ(presentTray(signing).state, TrayState::Working);
}

TEST_F(TrayModel, UnreadableCertificatesDoNotDecideTheState) {
    auto broken = cert("garbage", -100, "ee");
    broken.error = "not DER";
    TraySnapshot s{{tokenWith({cert("Ion", 100), broken})}};
    auto p = presentTray(s);
    EXPECT_EQ(p.state, TrayState::AllValid);
    EXPECT_EQ(p.nearest->holder, "Ion");
}

TEST_F(TrayModel, RenewableNeedsAValidCertificateWithItsKey) {
    EXPECT_TRUE(cert("a", 10).renewable());
    EXPECT_FALSE(cert("a", -1).renewable());
    EXPECT_FALSE(cert("a", 10, "01", false).renewable());
}

TEST_F(TrayModel, DaysLeftTextCoversTodayAndThePast) {
    EXPECT_EQ(daysLeftText(0), "expires today");
    EXPECT_EQ(daysLeftText(1), "expires in 1 day");
    EXPECT_EQ(daysLeftText(-1), "expired 1 day ago");
}

TEST_F(TrayModel, StateNamesAreStable) {
    EXPECT_STREQ(trayStateName(TrayState::AllValid), "valid");
    EXPECT_STREQ(trayStateName(TrayState::ExpiringSoon), "expiring");
    EXPECT_STREQ(trayStateName(TrayState::Expired), "expired");
    EXPECT_STREQ(trayStateName(TrayState::NoToken), "no-token");
    EXPECT_STREQ(trayStateName(TrayState::Working), "working");
}

TEST_F(TrayModel, TokenViewsSortTheSoonestExpiryFirst) {
    token::TokenInfo t;
    t.serial = "S";
    t.label = "L";
    auto mk = [](const std::string& cn, int days, uint8_t id) {
        token::TokenCertificate c;
        c.tokenSerial = "S";
        c.id = {id};
        c.label = cn;
        c.hasPrivateKey = true;
        token::CertificateInfo i;
        i.commonName = cn;
        i.notAfter = kNow + std::chrono::days{days};
        i.notBefore = kNow - std::chrono::days{300};
        c.info = i;
        return c;
    };
    auto views = tokenViews({t}, {mk("Late", 300, 1), mk("Soon", 20, 2)}, kNow, 30);
    ASSERT_EQ(views.size(), 1u);
    ASSERT_EQ(views[0].certificates.size(), 2u);
    EXPECT_EQ(views[0].certificates[0].holder, "Soon");
    EXPECT_EQ(views[0].certificates[0].status, token::CertStatus::Expiring);
    EXPECT_EQ(views[0].certificates[0].idHex, "02");
    EXPECT_EQ(views[0].certificates[1].status, token::CertStatus::Valid);
}

TEST_F(TrayModel, WhileStartingTheIconSaysWorkingAndWhy) {
    auto p = presentStarting();
    EXPECT_EQ(p.state, TrayState::Working);
    EXPECT_EQ(p.tooltip, "certagent is starting…");
    EXPECT_FALSE(p.nearest);
}

TEST_F(TrayModel, TheStatusIsSaidOnceWithTheDaysLeft) {
    i18n::setLanguage("en");
    EXPECT_EQ(statusWithDaysText(token::CertStatus::Valid, 200), "expires in 200 days");
    EXPECT_EQ(statusWithDaysText(token::CertStatus::Expiring, 10),
              "expires in 10 days — renew it soon");
    EXPECT_EQ(statusWithDaysText(token::CertStatus::Expired, -3), "expired 3 days ago");
}

TEST_F(TrayModel, ATokenIsNamedWithoutSayingTokenTwice) {
    i18n::setLanguage("en");
    EXPECT_EQ(tokenTitle("Ion", "1234"), "Token Ion (serial 1234)");
    EXPECT_EQ(tokenTitle("Token Ion", "1234"), "Token Ion (serial 1234)");
    EXPECT_EQ(tokenTitle("Alice token", "1234"), "Alice token (serial 1234)");
    EXPECT_EQ(tokenTitle("", "1234"), "Token, serial 1234");
}

TEST_F(TrayModel, RomanianReadsDatesDaysAndStatusNaturally) {
    ::setenv("TZ", "UTC", 1);
    ::tzset();
    i18n::init("en");  // binds the catalogs (CERTAGENT_LOCALEDIR)
    i18n::setLanguage("ro");
    auto at = std::chrono::sys_days{std::chrono::year{2026} / 12 / 13} + std::chrono::hours{10};
    EXPECT_EQ(localDate(at), "13.12.2026");
    EXPECT_EQ(i18n::dateTimeText(at), "13.12.2026, ora 10:00");
    EXPECT_EQ(i18n::dateTimeText(std::string("2026-12-13T10:00:00Z")), "13.12.2026, ora 10:00");
    EXPECT_EQ(i18n::dateTimeText(std::string("not a date")), "not a date");
    EXPECT_EQ(statusWithDaysText(token::CertStatus::Expiring, 10),
              "expiră în 10 zile — reînnoiți-l în curând");
    EXPECT_EQ(daysLeftText(1), "expiră în 1 zi");
    EXPECT_EQ(daysLeftText(25), "expiră în 25 de zile");
    EXPECT_EQ(tokenTitle("Token Ion", "1234"), "Token Ion (seria 1234)");
    i18n::setLanguage("en");
    EXPECT_EQ(localDate(at), "2026-12-13");
    EXPECT_EQ(i18n::dateTimeText(at), "2026-12-13 10:00");
}

TEST_F(TrayModel, RomanianTooltipUsesTheCatalog) {
    i18n::init("en");  // binds the catalogs (CERTAGENT_LOCALEDIR)
    auto english = presentTray({});
    i18n::setLanguage("ro");
    auto romanian = presentTray({});
    i18n::setLanguage("en");
    EXPECT_NE(romanian.tooltip.find("certagent"), std::string::npos) << romanian.tooltip;
    EXPECT_NE(romanian.tooltip, english.tooltip) << "no Romanian text for the tooltip";
}

}  // namespace
}  // namespace certagent::ui
