#include <gtest/gtest.h>

#include "certagent/core/i18n.hpp"
#include "certagent/core/ui/menu_model.hpp"
#include "certagent/core/error.hpp"
#include "temp_dir.hpp"
#include "ui_test_data.hpp"

#include <fstream>

namespace certagent::ui {
namespace {
using namespace testdata;
using json = nlohmann::json;

class MenuModelTest : public ::testing::Test {
protected:
    void SetUp() override { i18n::setLanguage("en"); }
};

std::vector<std::string> ids(const MenuModel& m) {
    std::vector<std::string> out;
    for (const auto& i : m.items)
        if (i.kind != MenuItem::Kind::Separator) out.push_back(i.id);
    return out;
}

TEST_F(MenuModelTest, OneEntryPerTokenAndCertificateWithHolderDaysAndStatus) {
    TraySnapshot s{{tokenWith({cert("Ion Popescu", 10), cert("Ana Pop", 200, "02")})}};
    auto m = buildMenu(s, {});
    auto* tok = m.find("token:SER1");
    ASSERT_TRUE(tok);
    EXPECT_EQ(tok->kind, MenuItem::Kind::Header);
    EXPECT_NE(tok->label.find("Alice token"), std::string::npos);
    auto* c = m.find("cert:SER1:01");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->label, "Ion Popescu — expires in 10 days (expiring soon)");
    EXPECT_EQ(c->action["action"], "details");
    auto* c2 = m.find("cert:SER1:02");
    ASSERT_TRUE(c2);
    EXPECT_EQ(c2->label, "Ana Pop — expires in 200 days (valid)");
}

TEST_F(MenuModelTest, RenewNowOnEachRenewableCertificateCarriesTheCertificate) {
    TraySnapshot s{{tokenWith({cert("Valid", 10), cert("Expired", -2, "02"),
                               cert("NoKey", 10, "03", false)})}};
    auto m = buildMenu(s, {});
    auto* r = m.find("renew:SER1:01");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->label, "Renew now…");
    EXPECT_EQ(r->action, (json{{"action", "renew"}, {"token", "SER1"}, {"cert", "01"}}));
    EXPECT_FALSE(m.find("renew:SER1:02"));
    EXPECT_FALSE(m.find("renew:SER1:03"));
}

TEST_F(MenuModelTest, FixedEntriesComeInOrder) {
    TraySnapshot s{{tokenWith({cert("Ion", 10)})}};
    auto m = buildMenu(s, {});
    auto all = ids(m);
    std::vector<std::string> tail(all.end() - 8, all.end());
    EXPECT_EQ(tail, (std::vector<std::string>{"sign-pdf", "verify", "browser", "renewals",
                                              "settings", "open-logs", "about", "quit"}));
    EXPECT_TRUE(m.find("sign-pdf")->enabled);
    EXPECT_EQ(m.find("verify")->action, (json{{"action", "verify"}}));
}

TEST_F(MenuModelTest, EachTokenOffersPinChangeAndUnblockNamedAsTheVendorDoes) {
    auto t = tokenWith({cert("Ion", 10)});
    t.soPinName = "SO PIN";
    auto m = buildMenu(TraySnapshot{{t}}, {});
    EXPECT_FALSE(m.find("pin-state:SER1"));  // nothing to say while the PIN is fine
    auto* change = m.find("pin-change:SER1");
    ASSERT_TRUE(change);
    EXPECT_TRUE(change->enabled);
    EXPECT_EQ(change->action, (json{{"action", "pin_change"}, {"token", "SER1"}}));
    auto* unblock = m.find("pin-unblock:SER1");
    ASSERT_TRUE(unblock);
    EXPECT_EQ(unblock->label, "Unblock the PIN with the SO PIN…");
    EXPECT_EQ(m.find("pin:SER1")->kind, MenuItem::Kind::Submenu);
}

TEST_F(MenuModelTest, ABlockedPinSaysWhatToDoAndOnlyUnblockIsOffered) {
    auto t = tokenWith({cert("Ion", 10)});
    t.userPin.locked = true;
    t.pin = token::PinState::Locked;
    auto m = buildMenu(TraySnapshot{{t}}, {});
    auto* state = m.find("pin-state:SER1");
    ASSERT_TRUE(state);
    EXPECT_EQ(state->label, "⚠ PIN blocked — Unblock it with the PUK (SO PIN).");
    EXPECT_FALSE(m.find("pin-change:SER1")->enabled);
    EXPECT_TRUE(m.find("pin-unblock:SER1")->enabled);

    t.soPin.locked = true;
    m = buildMenu(TraySnapshot{{t}}, {});
    EXPECT_FALSE(m.find("pin-unblock:SER1")->enabled);
    EXPECT_NE(m.find("pin-state:SER1")->label.find("Only the issuer of the token"),
              std::string::npos);
}

TEST_F(MenuModelTest, FinalTryIsShownUnderTheToken) {
    auto t = tokenWith({cert("Ion", 10)});
    t.userPin.finalTry = true;
    auto m = buildMenu(TraySnapshot{{t}}, {});
    ASSERT_TRUE(m.find("pin-state:SER1"));
    EXPECT_NE(m.find("pin-state:SER1")->label.find("PIN: one try left"), std::string::npos);
    EXPECT_TRUE(m.find("pin-change:SER1")->enabled);
}

TEST_F(MenuModelTest, BrowserLoginItemsRegisterUndoAndTellStatus) {
    auto m = buildMenu(TraySnapshot{{tokenWith({cert("Ion", 10)})}}, {});
    EXPECT_EQ(m.find("browser-register")->action, (json{{"action", "browser_register"}}));
    EXPECT_TRUE(m.find("browser-register")->enabled);
    EXPECT_EQ(m.find("browser-unregister")->action, (json{{"action", "browser_unregister"}}));
    EXPECT_EQ(m.find("browser-status")->action, (json{{"action", "browser_status"}}));
    EXPECT_FALSE(buildMenu({}, {}).find("browser-register")->enabled);  // no token to register
}

TEST_F(MenuModelTest, WithoutATokenSigningIsDisabledAndTheMenuSaysWhy) {
    auto m = buildMenu({}, {});
    ASSERT_TRUE(m.find("no-token"));
    EXPECT_FALSE(m.find("sign-pdf")->enabled);
    EXPECT_TRUE(m.find("verify")->enabled);  // verifying needs no token
}

TEST_F(MenuModelTest, PendingRenewalsShowTheirState) {
    TraySnapshot s{{tokenWith({cert("Ion", 10)})}};
    s.renewals.push_back({"r1", "SER1", "01", "Ion", "Pay by card", "waiting", false});
    auto m = buildMenu(s, {});
    auto* r = m.find("renewal:r1");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->label, "Ion: Pay by card — waiting");
    EXPECT_EQ(r->action["renewal_id"], "r1");
    auto none = buildMenu(TraySnapshot{s.tokens}, {});
    EXPECT_TRUE(none.find("renewals-none"));
}

TEST_F(MenuModelTest, PluginItemsComeFromPluginsNextToTheirCertificateOrInTheirSection) {
    TraySnapshot s{{tokenWith({cert("Ion", 10)})}};
    std::vector<PluginMenuItems> plugins = {
        {"timestamps",
         json::array({{{"id", "quota"}, {"label", "Timestamps left: 12"}, {"enabled", false}},
                      {{"id", "bad"}},  // no label: ignored
                      "not an object"})},
        {"renewal", json::array({{{"id", "resume"}, {"label", "Resume renewal"},
                                  {"token", "SER1"}, {"cert", "01"}}})},
    };
    auto m = buildMenu(s, plugins);
    auto* q = m.find("plugin:timestamps:quota");
    ASSERT_TRUE(q);
    EXPECT_FALSE(q->enabled);
    EXPECT_EQ(q->action, (json{{"action", "plugin"}, {"plugin", "timestamps"}, {"id", "quota"}}));
    EXPECT_FALSE(m.find("plugin:timestamps:bad"));
    // The certificate's plugin item follows the certificate (and its Renew now).
    auto all = ids(m);
    auto pos = std::find(all.begin(), all.end(), "plugin:renewal:resume");
    ASSERT_NE(pos, all.end());
    EXPECT_EQ(*(pos - 1), "renew:SER1:01");
}

TEST_F(MenuModelTest, AFileItemAsksForAFileAndPassesItsPathToThePlugin) {
    TraySnapshot s{{tokenWith({cert("Ion", 10)})}};
    std::vector<PluginMenuItems> plugins = {
        {"timestamps", json::array({{{"id", "stamp-file"}, {"label", "Timestamp a file…"},
                                     {"input", "file"}},
                                    {{"id", "plain"}, {"label", "Plain"}, {"input", "other"}}})}};
    auto m = buildMenu(s, plugins);
    const auto* f = m.find("plugin:timestamps:stamp-file");
    ASSERT_TRUE(f);
    EXPECT_TRUE(pluginActionNeedsFile(f->action));
    const auto* plain = m.find("plugin:timestamps:plain");
    ASSERT_TRUE(plain);
    EXPECT_FALSE(pluginActionNeedsFile(plain->action));  // only "file" is understood
    EXPECT_EQ(pluginActionArgs(plain->action), json::object());

    certagent::testing::TempDir dir{"certagent-menu"};
    auto file = dir.path() / "contract.pdf";
    std::ofstream(file) << "%PDF-1.7";
    EXPECT_EQ(pluginActionArgs(f->action, file.string()), (json{{"path", file.string()}}));
    // No file chosen, a folder, a missing file: refused with the path named, nothing runs.
    EXPECT_THROW(pluginActionArgs(f->action), Error);
    EXPECT_THROW(pluginActionArgs(f->action, dir.path().string()), Error);
    try {
        pluginActionArgs(f->action, (dir.path() / "gone.pdf").string());
        ADD_FAILURE() << "a missing file was accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::InvalidInput);
        EXPECT_NE(std::string(e.what()).find("gone.pdf"), std::string::npos) << e.what();
    }
}

TEST_F(MenuModelTest, PluginArgsCarryTheCertificateAndTheResultItsMessage) {
    json act{{"action", "plugin"}, {"plugin", "renewal"}, {"id", "resume"}, {"token", "SER1"},
             {"cert", "01"}};
    EXPECT_EQ(pluginActionArgs(act), (json{{"token", "SER1"}, {"cert", "01"}}));
    EXPECT_EQ(pluginResultText({{"message", "Timestamped a.pdf"}}), "Timestamped a.pdf");
    EXPECT_EQ(pluginResultText({{"tsr", "a.pdf.tsr"}}), "Done.");
}

TEST_F(MenuModelTest, TheLocalServerShowsItsStateAndTheOneActionThatChangesIt) {
    TraySnapshot s{{tokenWith({cert("Ion Popescu", 10)})}};
    EXPECT_FALSE(buildMenu(s, {}).find("server-state"));  // a program without server control
    s.server.known = true;
    auto stopped = buildMenu(s, {});
    ASSERT_TRUE(stopped.find("server-state"));
    EXPECT_EQ(stopped.find("server-state")->label, "Local signing server is stopped");
    ASSERT_TRUE(stopped.find("server-start"));
    EXPECT_EQ(stopped.find("server-start")->action["action"], "server_start");
    EXPECT_FALSE(stopped.find("server-stop"));

    s.server.running = true;
    s.server.port = 15000;
    auto running = buildMenu(s, {});
    EXPECT_EQ(running.find("server-state")->label, "Local signing server listens on port 15000");
    ASSERT_TRUE(running.find("server-stop"));
    EXPECT_FALSE(running.find("server-start"));

    s.server = {true, false, 0, "port 15000 is in use"};
    EXPECT_EQ(buildMenu(s, {}).find("server-state")->label,
              "Local signing server did not start: port 15000 is in use");
}

TEST_F(MenuModelTest, JsonDumpHasEveryItem) {
    TraySnapshot s{{tokenWith({cert("Ion Popescu", 10)})}};
    auto j = buildMenu(s, {}).toJson();
    ASSERT_TRUE(j.is_array());
    auto dump = j.dump();
    EXPECT_NE(dump.find("Ion Popescu"), std::string::npos);
    EXPECT_NE(dump.find("\"kind\":\"separator\""), std::string::npos);
    EXPECT_NE(dump.find("renewals-none"), std::string::npos);  // children dumped too
}

}  // namespace
}  // namespace certagent::ui
