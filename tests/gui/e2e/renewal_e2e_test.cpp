// A person renews a certificate from the reminder, in Romanian, with real input only: the
// notification's "Reînnoiește acum" chosen through dunst, the identity card's path typed into
// the wizard, 2 years clicked, the PIN typed key by key, the declaration shown and signed; the
// sandbox CA issues the new certificate and the tray installs it on the token. Then the last
// page's "remove the old certificate" is clicked: the old certificate and its key go, the new
// ones stay.
#include <gtest/gtest.h>

#include "lab.hpp"
#include "tray_scene.hpp"

namespace certagent::testing {
namespace {
using namespace std::chrono_literals;
using json = nlohmann::json;

class RenewalEndToEnd : public ::testing::Test {
  protected:
    void SetUp() override {
        if (auto p = missingProgram(sceneProgramsNeeded()); !p.empty())
            CERTAGENT_NEED_LAB(p + " is missing (tests/deps.sh)");
    }
};

TEST_F(RenewalEndToEnd, ReminderActionRenewsTheCertificateOnTheTokenWithOnePinEntry) {
    TrayScene s;
    s.startTray();

    // The reminder goes out on D-Bus with the "Reînnoiește acum" button.
    ASSERT_TRUE(waitUntil(
        [&] {
            auto n = s.desktop->notifications();
            return n.find("member=Notify") != std::string::npos &&
                   n.find("ION POPESCU") != std::string::npos &&
                   n.find("Reînnoiește acum") != std::string::npos;
        },
        30s))
        << s.desktop->notifications() << s.context();
    EXPECT_NE(s.desktop->notifications().find("expiră în 10 zile"), std::string::npos);
    s.ui->screenshot("e2e-renewal-1-notification");

    WindowCounter pinDialogs(*s.ui, TrayScene::kPinDialog);
    // The button, chosen in dunst's own menu: dunst sends ActionInvoked to the app.
    ASSERT_TRUE(s.desktop->chooseNotificationAction("Reînnoiește acum")) << s.context();
    EXPECT_TRUE(waitUntil(
        [&] {
            return s.desktop->notifications().find("member=ActionInvoked") != std::string::npos;
        },
        10s));

    // The wizard opens for that certificate: the identity card's path typed, 2 years, start.
    auto path = s.ui->waitControl("", {.name = "id-document-path"}, 30s);
    s.ui->click(path);
    s.ui->type(s.idDocument.string(), 20);
    s.ui->click(s.ui->waitControl("", {.name = "years-2"}));
    s.ui->screenshot("e2e-renewal-2-wizard");
    s.ui->click(s.ui->waitControl("", {.name = "start"}));

    // The engine logs in to the token once: the tray asks for the PIN.
    s.typePinIntoDialog();
    ASSERT_TRUE(s.ui->waitWindowGone(TrayScene::kPinDialog, 10s)) << s.context();

    // The declaration: shown first (the desktop's viewer), then signed with the open session.
    s.ui->click(s.ui->waitControl("", {.name = "show-declaration"}, 90s));
    ASSERT_TRUE(waitUntil([&] { return s.opened().find(".pdf") != std::string::npos; }, 10s))
        << "the declaration was not handed to the desktop's viewer\n"
        << s.context();
    s.ui->click(s.ui->waitEnabled("", {.name = "sign-declaration"}));

    ASSERT_TRUE(s.ui->waitLabel("Noul certificat este instalat pe token.", 120s)) << s.context();
    s.ui->screenshot("e2e-renewal-3-done");
    std::this_thread::sleep_for(1s);  // a second PIN dialog would be up by now
    EXPECT_EQ(pinDialogs.count(), 1) << s.context();

    // Both certificates on the token: the old one (10 days) and the new one (2 years).
    auto certs = s.cli({"certs", "--json"});
    ASSERT_EQ(certs.exit_code, 0) << certs.err;
    auto list = json::parse(certs.out);
    ASSERT_EQ(list.size(), 2u) << certs.out;
    const json* oldCert = nullptr;
    const json* newCert = nullptr;
    for (const auto& c : list) (c["id"] == s.certId ? oldCert : newCert) = &c;
    ASSERT_TRUE(oldCert && newCert) << certs.out;
    EXPECT_EQ((*oldCert)["days_left"], 10);
    EXPECT_GE((*newCert)["days_left"].get<int>(), 725) << certs.out;
    EXPECT_LE((*newCert)["days_left"].get<int>(), 733) << certs.out;
    EXPECT_EQ((*newCert)["subject"], (*oldCert)["subject"]);
    EXPECT_EQ((*newCert)["issuer"], (*oldCert)["issuer"]);
    EXPECT_TRUE((*newCert)["has_private_key"].get<bool>());
    EXPECT_EQ((*newCert)["status"], "valid");

    // The last page offers to remove the old certificate; nothing went by itself.
    auto remove = s.ui->waitControl("", {.name = "remove-old"}, 10s);
    // (A part of each sentence: the wizard wraps long labels.)
    EXPECT_TRUE(s.ui->waitLabel("Certificatul vechi și cheia lui sunt încă pe token.", 10s))
        << s.context();
    s.ui->screenshot("e2e-renewal-4-old-certificate");
    s.ui->click(remove);
    // The renewal's session ended with it: removing is another action, with its own PIN entry.
    s.typePinIntoDialog();
    ASSERT_TRUE(s.ui->waitLabel("au fost șterse de pe token.", 60s)) << s.context();
    EXPECT_EQ(pinDialogs.count(), 2) << s.context();
    auto after = s.cli({"certs", "--json"});
    ASSERT_EQ(after.exit_code, 0) << after.err;
    auto left = json::parse(after.out);
    ASSERT_EQ(left.size(), 1u) << after.out;
    EXPECT_EQ(left[0]["id"], (*newCert)["id"]);
    EXPECT_TRUE(left[0]["has_private_key"].get<bool>());
    EXPECT_EQ(s.quitTray(), 0) << s.context();
    EXPECT_EQ(s.trayLog().find("Sanitizer"), std::string::npos) << s.trayLog();
    // The tray's journal (the scene's CLI keeps a state folder of its own; the tray has quit).
    auto journal = s.cli({"--state-dir", (s.home / "state").string(), "--json", "renewals"});
    ASSERT_EQ(journal.exit_code, 0) << journal.err;
    auto records = json::parse(journal.out, nullptr, false);
    if (records.is_object()) records = records.value("renewals", json::array());
    ASSERT_TRUE(records.is_array() && !records.empty()) << journal.out;
    EXPECT_EQ(records[0]["old_certificate"], "removed") << journal.out;

}

}  // namespace
}  // namespace certagent::testing
