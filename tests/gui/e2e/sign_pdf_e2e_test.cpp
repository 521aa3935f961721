// "Semnează un PDF…" from the tray, as a person does it: the menu opened with a click on the
// icon, the item chosen with the keyboard, the file typed into GTK's file chooser (Ctrl+L), the
// output named in the save dialog, the PIN typed key by key. The signature must verify and
// carry the signer's chain (the sandbox's issuing CA) in its CMS.
#include <gtest/gtest.h>

#include "lab.hpp"
#include "tray_scene.hpp"

namespace certagent::testing {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using json = nlohmann::json;

// The CMS of the first signature: the hex string of /Contents, decoded (std::regex would
// recurse once per character of the 30 kB string).
std::string signatureCms(const fs::path& pdf) {
    auto text = readFile(pdf);
    size_t open = std::string::npos;
    for (auto at = text.find("/Contents"); at != std::string::npos && open == std::string::npos;
         at = text.find("/Contents", at + 1)) {
        auto next = text.find_first_not_of(" \r\n", at + 9);
        if (next != std::string::npos && text[next] == '<') open = next;  // a page's is "N 0 R"
    }
    auto close = open == std::string::npos ? open : text.find('>', open);
    if (close == std::string::npos) return {};
    std::string der;
    for (size_t i = open + 1; i + 1 < close; i += 2)
        der.push_back(static_cast<char>(std::stoi(text.substr(i, 2), nullptr, 16)));
    return der;
}

class SignPdfEndToEnd : public ::testing::Test {
  protected:
    void SetUp() override {
        if (auto p = missingProgram(sceneProgramsNeeded()); !p.empty())
            CERTAGENT_NEED_LAB(p + " is missing (tests/deps.sh)");
    }
};

TEST_F(SignPdfEndToEnd, SignAPdfFromTheTrayMenuWithATypedPinEmbedsTheChainAndVerifies) {
    TrayScene s({.daysLeft = 200});
    auto document = s.dir / "contract.pdf";
    fs::copy_file(s.idDocument, document);
    auto signedPdf = s.dir / "contract-semnat.pdf";
    s.startTray();

    WindowCounter pinDialogs(*s.ui, TrayScene::kPinDialog);
    s.ui->chooseFromTrayMenu(s.menu(), "sign-pdf");

    // GTK's file chooser: Ctrl+L opens the location field; the path is typed, Return opens it.
    auto chooser = s.ui->waitXWindow("Alegeți PDF-ul de semnat");
    s.step("file chooser shown");
    s.ui->moveTo(chooser.x + std::min(chooser.width, 1024) / 2,
                 chooser.y + std::min(chooser.height, 768) / 2);
    std::this_thread::sleep_for(500ms);  // mapped, then GTK fills the dialog
    s.ui->focus(chooser);
    s.ui->key("ctrl+l");
    std::this_thread::sleep_for(300ms);
    s.ui->type(document.string(), 30);
    std::this_thread::sleep_for(300ms);
    s.ui->screenshot("e2e-sign-1-file-chooser");
    s.ui->key("Return");

    // The save dialog proposes contract.signed.pdf; the person types another name.
    auto save = s.ui->waitXWindow("Salvează PDF-ul semnat ca");
    s.step("save dialog shown");
    s.ui->moveTo(save.x + std::min(save.width, 1024) / 2, save.y + std::min(save.height, 768) / 2);
    std::this_thread::sleep_for(500ms);
    s.ui->focus(save);
    s.ui->key("ctrl+a");
    s.ui->type(signedPdf.string(), 30);
    std::this_thread::sleep_for(300ms);
    s.ui->key("Return");

    s.ui->waitControl(TrayScene::kPinDialog, {.name = "text"}, 30s);
    s.step("PIN dialog shown");
    s.typePinIntoDialog(30s);
    s.step("PIN typed");
    // The tray says it is done in a message box; the file is there by then.
    auto done = s.ui->waitXWindow("Semnează un PDF", 60s);
    s.step("signed");
    s.ui->screenshot("e2e-sign-2-done");
    ASSERT_TRUE(fs::exists(signedPdf)) << s.context();
    EXPECT_EQ(pinDialogs.count(), 1);
    s.ui->moveTo(done.x + done.width / 2, done.y + done.height / 2);
    s.ui->focus(done);
    s.ui->key("Return");
    ASSERT_TRUE(waitUntil([&] { return s.ui->xWindows("Semnează un PDF").empty(); }, 10s))
        << s.context();

    s.step("message closed");
    auto sig = runProcess({"pdfsig", signedPdf.string()});
    EXPECT_NE(sig.out.find("Signature Validation: Signature is Valid."), std::string::npos)
        << sig.out << sig.err;
    EXPECT_NE(sig.out.find("Total document signed"), std::string::npos) << sig.out;

    // The chain is in the CMS: the signer and the sandbox's issuing CA (and its root).
    auto cms = s.dir / "signature.der";
    writeFile(cms, signatureCms(signedPdf));
    auto certs = runProcess(
        {"openssl", "pkcs7", "-inform", "DER", "-in", cms.string(), "-print_certs", "-noout"});
    EXPECT_EQ(certs.exit_code, 0) << certs.err;
    EXPECT_NE(certs.out.find("CN = ION POPESCU"), std::string::npos) << certs.out;
    EXPECT_NE(certs.out.find("subject=C = RO, O = CertAgent Sandbox CA S.A., CN = CertAgent "
                             "Sandbox QUALIFIED CA"),
              std::string::npos)
        << certs.out;

    // certagent's own verifier, with the sandbox's anchors ([verify] ca_bundle): valid, trusted.
    auto verify = s.cli({"verify", "--json", signedPdf.string()});
    auto report = json::parse(verify.out, nullptr, false);
    ASSERT_TRUE(report.is_object()) << verify.out << verify.err;
    ASSERT_EQ(report["signatures"].size(), 1u) << verify.out;
    EXPECT_EQ(report["signatures"][0]["status"], "valid") << verify.out;
    EXPECT_TRUE(report["signatures"][0]["chain"]["trusted"].get<bool>()) << verify.out;

    EXPECT_EQ(s.quitTray(), 0) << s.context();
    EXPECT_EQ(s.trayLog().find("Sanitizer"), std::string::npos) << s.trayLog();
}

}  // namespace
}  // namespace certagent::testing
