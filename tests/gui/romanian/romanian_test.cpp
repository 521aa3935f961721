// certagent in ro_RO under Xvfb: its menu and each of its windows (PIN, PIN change and unblock,
// renewal, settings, certificate details, verification report, About) rendered as a Romanian
// user sees them, read through the menu and layout dumps, and no English left in any of them:
// neither a message of our catalogs in its English form nor wxWidgets' own texts.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "desktop_session.hpp"
#include "english_left.hpp"
#include "softhsm.hpp"

namespace certagent::testing {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using json = nlohmann::json;

class Romanian : public ::testing::TestWithParam<std::string> {
  protected:
    static void SetUpTestSuite() {
        tmp_ = new TempDir("gui-romanian");
        hsm_ = new SoftHsm();
        // A label that says "token" already: the menu must not read "Token Token Ion".
        token_ = &hsm_->createToken("Token Ion");
        cert_ = new TestCert(hsm_->addCertificate(
            *token_, {.commonName = "Ion Popescu", .notAfterDays = 10, .qualified = true}));
        desktop_ = new DesktopSession(tmp_->path());
        english_ = new EnglishDetector(
            {sourceDir() / "agent/po/ro.po", sourceDir() / "agent/po/wx/ro.po"});
        writeFile(tmp_->path() / "agent.toml",
                  "[pkcs11]\nextra_modules = [\"" + SoftHsm::modulePath().string() +
                      "\"]\nuse_p11_kit = false\n[ui]\nautostart = false\n"
                      "[devices]\npoll_interval_seconds = 2\n");
    }
    static void TearDownTestSuite() {
        delete english_;
        delete desktop_;
        delete cert_;
        delete hsm_;
        delete tmp_;
    }

    std::vector<std::string> env(const fs::path& home) const {
        auto e = desktop_->env();
        for (auto& v : hsm_->env()) e.push_back(v);
        for (auto& v : std::vector<std::string>{
                 "CERTAGENT_CONFIG=" + (tmp_->path() / "agent.toml").string(),
                 "CERTAGENT_POLICY_FILE=" + (home / "no-policy.toml").string(),
                 "CERTAGENT_STATE_DIR=" + (home / "state").string(),
                 "XDG_CONFIG_HOME=" + (home / "config").string(),
                 "XDG_STATE_HOME=" + (home / "xdgstate").string(),
                 "XDG_RUNTIME_DIR=" + (home / "runtime").string(), "LANG=ro_RO.UTF-8",
                 "LANGUAGE=ro", "TZ=Europe/Bucharest", "NO_AT_BRIDGE=1"})
            e.push_back(v);
        return e;
    }

    fs::path home(const std::string& name) const {
        auto h = tmp_->path() / name;
        for (auto d : {"config", "state", "runtime", "xdgstate"}) fs::create_directories(h / d);
        fs::permissions(h / "runtime", fs::perms::owner_all);
        return h;
    }

    // A PDF signed with the token's certificate (its issuer is not trusted here: the report
    // then also says why, in our words rather than OpenSSL's).
    fs::path signedPdf() const {
        auto h = home("cli");
        auto pdf = h / "contract.pdf";
        writeFile(pdf, minimalPdf());
        auto e = env(h);
        e.push_back("CERTAGENT_TEST_PIN=" + token_->pin);
        auto r = runProcess({CERTAGENT_CLI, "sign", pdf.string(), "--token", token_->serial,
                             "--cert", cert_->idHex, "--pin-env", "CERTAGENT_TEST_PIN"},
                            e, {}, 60);
        EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
        return h / "contract-semnat.pdf";
    }

    static std::string minimalPdf() {
        std::string out = "%PDF-1.4\n";
        std::vector<std::size_t> offsets;
        for (const char* body :
             {"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
              "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"}) {
            offsets.push_back(out.size());
            out += std::to_string(offsets.size()) + " 0 obj\n" + body + "\nendobj\n";
        }
        const std::size_t xref = out.size();
        out += "xref\n0 4\n0000000000 65535 f \n";
        for (auto o : offsets) {
            char line[32];
            std::snprintf(line, sizeof line, "%010zu 00000 n \n", o);
            out += line;
        }
        out +=
            "trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
        return out;
    }

    static json readJson(const fs::path& p) {
        std::error_code ec;
        if (!fs::exists(p, ec)) return {};
        return json::parse(readFile(p), nullptr, false);
    }

    // Every text of a menu dump: the tooltip and each item's label, submenus included.
    static void menuTexts(const json& items, std::vector<std::string>& out) {
        for (const auto& item : items) {
            if (item.contains("label")) out.push_back(item["label"].get<std::string>());
            if (item.contains("children")) menuTexts(item["children"], out);
        }
    }

    // Every text of a layout dump: window titles, control labels and what controls show.
    static std::vector<std::string> layoutTexts(const json& windows) {
        std::vector<std::string> out;
        for (const auto& w : windows) {
            out.push_back(w["title"].get<std::string>());
            for (const auto& c : w["controls"]) {
                out.push_back(c["label"].get<std::string>());
                for (const auto& t : c.value("text", json::array())) out.push_back(t);
            }
        }
        return out;
    }

    void expectRomanian(const std::vector<std::string>& texts, const std::string& where) const {
        for (const auto& t : texts) {
            auto english = english_->englishIn(t);
            EXPECT_TRUE(english.empty())
                << where << ": English " << english << " in \"" << t << "\"";
            EXPECT_EQ(t.find("Token Token"), std::string::npos) << where << ": " << t;
            EXPECT_EQ(t.find("\u231B"), std::string::npos) << where << ": ⌛ has no glyph: " << t;
        }
    }

    static TempDir* tmp_;
    static SoftHsm* hsm_;
    static SoftHsmToken* token_;
    static TestCert* cert_;
    static DesktopSession* desktop_;
    static EnglishDetector* english_;
};
TempDir* Romanian::tmp_ = nullptr;
SoftHsm* Romanian::hsm_ = nullptr;
SoftHsmToken* Romanian::token_ = nullptr;
TestCert* Romanian::cert_ = nullptr;
DesktopSession* Romanian::desktop_ = nullptr;
EnglishDetector* Romanian::english_ = nullptr;

TEST_P(Romanian, TheMenuAndTheWindowLeaveNoEnglish) {
    ASSERT_GT(english_->messageCount(), 500u);
    auto show = GetParam();
    if (show == "verify") show = "verify:" + signedPdf().string();
    auto h = home("show-" + GetParam());
    auto e = env(h);
    e.push_back("CERTAGENT_GUI_MENU_DUMP=" + (h / "menu.json").string());
    e.push_back("CERTAGENT_GUI_LAYOUT_DUMP=" + (h / "layout.json").string());
    if (!show.empty()) e.push_back("CERTAGENT_GUI_SHOW=" + show);
    BackgroundProcess agent({guiBinary()}, e, h / "certagent.log");
    auto log = [&] { return readFile(h / "certagent.log"); };

    // The menu, once it lists the certificate.
    ASSERT_TRUE(waitUntil(
        [&] {
            auto d = readJson(h / "menu.json");
            return d.is_object() && d["menu"].dump().find("Ion Popescu") != std::string::npos;
        },
        30s))
        << log();
    auto menu = readJson(h / "menu.json");
    std::vector<std::string> texts{menu["tooltip"].get<std::string>()};
    menuTexts(menu["menu"], texts);
    expectRomanian(texts, "menu");

    if (GetParam() == "about") {
        // GTK draws the About box itself: its title comes from wxWidgets' catalog.
        EXPECT_TRUE(waitUntil(
            [&] {
                return desktop_->run({"xdotool", "search", "--name", "^Despre certagent$"})
                           .exit_code == 0;
            },
            30s))
            << log();
    } else if (!GetParam().empty()) {
        // The window, once shown and laid out (the dump is rewritten while it changes).
        json windows;
        ASSERT_TRUE(waitUntil(
            [&] {
                windows = readJson(h / "layout.json");
                return windows.is_array() && !windows.empty() && !windows[0]["controls"].empty();
            },
            45s))
            << log();
        std::this_thread::sleep_for(1500ms);
        windows = readJson(h / "layout.json");
        auto shown = layoutTexts(windows);
        expectRomanian(shown, GetParam());
        std::string all;
        for (const auto& t : shown) all += t + "\n";
        // wxWidgets' own buttons are in Romanian too (its catalog is loaded).
        EXPECT_EQ(all.find("Cancel"), std::string::npos) << all;
        if (GetParam() == "verify") {
            EXPECT_NE(all.find("1 semnătură"), std::string::npos) << all;
            EXPECT_NE(all.find(", ora "), std::string::npos) << all;  // dates as ro writes them
        }
        if (GetParam() == "settings") {
            EXPECT_NE(all.find("Anulează"), std::string::npos) << all;
        }
        desktop_->screenshot(h / "window.png");
        if (const char* keep = std::getenv("CERTAGENT_GUI_ROMANIAN_KEEP"); keep && *keep) {
            fs::create_directories(keep);
            for (auto f : {"layout.json", "window.png"})
                fs::copy_file(h / f, fs::path(keep) / (GetParam() + "-" + f),
                              fs::copy_options::overwrite_existing);
        }
    }
    EXPECT_TRUE(agent.running()) << log();
    agent.stop();
    EXPECT_EQ(log().find("Sanitizer"), std::string::npos) << log();
}

// The detector itself: it finds English that was left and lets Romanian through.
TEST(EnglishDetector, FindsEnglishLeftAndLetsRomanianThrough) {
    EnglishDetector english({sourceDir() / "agent/po/ro.po", sourceDir() / "agent/po/wx/ro.po"});
    EXPECT_NE(english.englishIn("Renew now…"), "");
    EXPECT_NE(english.englishIn("Ion Popescu — expires in 10 days — renew it soon"), "");
    EXPECT_NE(english.englishIn("&Cancel"), "");
    EXPECT_NE(english.englishIn("Please choose an existing file."), "");
    EXPECT_NE(english.englishIn("  Chain: unable to get local issuer certificate"), "");
    EXPECT_NE(english.englishIn("contract.signed.pdf"), "");
    EXPECT_EQ(english.englishIn("Reînnoiește acum…"), "");
    EXPECT_EQ(english.englishIn("Ion Popescu — expiră în 10 zile — reînnoiți-l în curând"), "");
    EXPECT_EQ(english.englishIn("&Anulează"), "");
    EXPECT_EQ(english.englishIn("ecdsa-with-SHA256"), "");
    EXPECT_EQ(english.englishIn("Token Ion (seria 1234)"), "");
}

INSTANTIATE_TEST_SUITE_P(EachWindow, Romanian,
                         ::testing::Values("", "pin", "pin-final", "pin-change", "pin-unblock",
                                           "wizard", "settings", "details", "verify", "about"),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                             std::string n = param.param.empty() ? "menu" : param.param;
                             for (auto& c : n)
                                 if (c == '-') c = '_';
                             return n;
                         });

}  // namespace
}  // namespace certagent::testing
