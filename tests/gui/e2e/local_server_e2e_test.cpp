// The tray's local signing server and a web portal in headless Chromium. The portal's page,
// served on 127.0.0.1 by the test, posts a PDF to POST /api/v1/sign/pdf and hands whatever it
// gets back to the test (POST /result on its own origin). In the tray a person starts the
// server from the menu, reads the consent dialog (it names the page's origin), allows or
// refuses with a click and types the PIN. A page from an origin not in [server]
// allowed_origins is refused with 403 before anything is shown.
#include <gtest/gtest.h>
#include <httplib.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>

#include "certagent/core/server/base64.hpp"
#include "lab.hpp"
#include "tray_scene.hpp"

namespace certagent::testing {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using json = nlohmann::json;

constexpr const char* kConsentDialog = "Cerere de semnare";

// A portal page: reads the document from its own origin, asks the local server to sign it with
// the certificate the test names, and reports the answer to /result.
const char* kPage = R"(<!doctype html><html><body><pre id="out">pending</pre><script>
async function run() {
  let result;
  try {
    const pdf = new Uint8Array(await (await fetch("/document.pdf")).arrayBuffer());
    let bin = "";
    for (const b of pdf) bin += String.fromCharCode(b);
    const r = await fetch("http://127.0.0.1:@PORT@/api/v1/sign/pdf", {method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify({pdf: btoa(bin), certificate: {token: "@TOKEN@", id: "@CERT@"},
                            document_name: "contract.pdf", description: "Contract de test"})});
    const j = await r.json();
    result = {status: r.status, code: j.error ? j.error.code : "", pdf: j.pdf || ""};
  } catch (e) {
    result = {status: 0, code: "blocked", message: String(e)};
  }
  await fetch("/result", {method: "POST", headers: {"Content-Type": "application/json"},
                          body: JSON.stringify(result)});
  document.getElementById("out").textContent = "done";
}
run();
</script></body></html>)";

std::string replaceAll(std::string s, const std::string& from, const std::string& to) {
    for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
        s.replace(pos, from.size(), to);
    return s;
}

// The portal: the page, the document, and /result where the page reports what it got.
class PortalPage {
  public:
    PortalPage() {
        server_.Get("/", [this](const httplib::Request&, httplib::Response& res) {
            std::lock_guard lock(mutex_);
            res.set_content(html_, "text/html; charset=utf-8");
        });
        server_.Get("/document.pdf", [this](const httplib::Request&, httplib::Response& res) {
            std::lock_guard lock(mutex_);
            res.set_content(document_, "application/pdf");
        });
        server_.Post("/result", [this](const httplib::Request& req, httplib::Response& res) {
            {
                std::lock_guard lock(mutex_);
                result_ = json::parse(req.body, nullptr, false);
            }
            done_.notify_all();
            res.status = 204;
        });
        port_ = server_.bind_to_any_port("127.0.0.1");
        thread_ = std::thread([this] { server_.listen_after_bind(); });
    }
    ~PortalPage() {
        server_.stop();
        thread_.join();
    }
    std::string origin() const { return "http://127.0.0.1:" + std::to_string(port_); }
    void serve(std::string html, std::string document) {
        std::lock_guard lock(mutex_);
        html_ = std::move(html);
        document_ = std::move(document);
    }
    std::optional<json> waitResult(std::chrono::seconds timeout) {
        std::unique_lock lock(mutex_);
        done_.wait_for(lock, timeout, [this] { return result_.has_value(); });
        return result_;
    }

  private:
    std::string document_;
    std::mutex mutex_;
    std::condition_variable done_;
    std::string html_;
    std::optional<json> result_;
    httplib::Server server_;
    int port_ = 0;
    std::thread thread_;
};

// Headless Chromium on a page, with a fresh profile and its network log, until stopped.
class Browser {
  public:
    Browser(const fs::path& dir, const std::string& url) : netLog_(dir / "net-log.json") {
        fs::create_directories(dir / "profile");
        process_ = std::make_unique<BackgroundProcess>(
            std::vector<std::string>{"chromium", "--headless", "--no-sandbox", "--disable-gpu",
                                     "--no-first-run", "--disable-background-networking",
                                     "--disable-component-update", "--disable-sync",
                                     "--user-data-dir=" + (dir / "profile").string(),
                                     "--log-net-log=" + netLog_.string(), url},
            std::vector<std::string>{}, dir / "chromium.log");
    }
    // Stops the browser (its network log is complete then) and returns, for every request to
    // `path`, "METHOD status-line" (e.g. "OPTIONS HTTP/1.1 403 Forbidden").
    std::vector<std::string> stopAndListRequests(const std::string& path) {
        process_->stop();
        std::vector<std::string> out;
        std::error_code ec;
        if (!fs::exists(netLog_, ec)) return out;
        // One event per line after the first (the constants); the event types are numbers.
        auto text = readFile(netLog_);
        auto typeId = [&](const std::string& name) {
            auto at = text.find("\"" + name + "\":");
            return at == std::string::npos ? -1 : std::atoi(text.c_str() + at + name.size() + 3);
        };
        const int start = typeId("URL_REQUEST_START_JOB");
        const int headers = typeId("HTTP_TRANSACTION_READ_RESPONSE_HEADERS");
        std::map<long, std::string> methods;
        std::istringstream in(text);
        std::string line;
        std::getline(in, line);
        while (std::getline(in, line)) {
            while (!line.empty() &&
                   (line.back() == ',' || line.back() == ']' || line.back() == '}' ||
                    line.back() == '\r') &&
                   !json::accept(line))
                line.pop_back();
            auto e = json::parse(line, nullptr, false);
            if (!e.is_object() || !e.contains("source")) continue;
            long id = e["source"].value("id", -1L);
            auto params = e.value("params", json::object());
            if (e.value("type", -2) == start &&
                params.value("url", "").find(path) != std::string::npos)
                methods[id] = params.value("method", "");
            if (e.value("type", -2) == headers && methods.count(id) && params.contains("headers") &&
                !params["headers"].empty())
                out.push_back(methods[id] + " " + params["headers"][0].get<std::string>());
        }
        return out;
    }

  private:
    fs::path netLog_;
    std::unique_ptr<BackgroundProcess> process_;
};

class LocalServerEndToEnd : public ::testing::Test {
  protected:
    void SetUp() override {
        auto programs = sceneProgramsNeeded();
        programs.push_back("chromium");
        if (auto p = missingProgram(programs); !p.empty())
            CERTAGENT_NEED_LAB(p + " is missing (tests/deps.sh)");
        allowed_ = std::make_unique<PortalPage>();
    }

    // The scene with the server on a free port and the allowed page's origin in the config;
    // `enabled`: started with the agent ([server] enabled) instead of from the menu.
    std::unique_ptr<TrayScene> makeScene(bool enabled) {
        port_ = freeLoopbackPort();
        return std::make_unique<TrayScene>(TraySceneOptions{
            .daysLeft = 200,
            .extraConfig = "[server]\nenabled = " + std::string(enabled ? "true" : "false") +
                           "\nport = " + std::to_string(port_) + "\nallowed_origins = [\"" +
                           allowed_->origin() + "\"]\n"});
    }

    std::string page(const TrayScene& s) const {
        return replaceAll(replaceAll(replaceAll(kPage, "@PORT@", std::to_string(port_)), "@TOKEN@",
                                     s.token->serial),
                          "@CERT@", s.certId);
    }

    bool serverRunning(const TrayScene& s) const {
        for (const auto& item : s.menu())
            if (item.value("id", "") == "server-stop") return true;
        return false;
    }

    std::unique_ptr<PortalPage> allowed_;
    int port_ = 0;
};

TEST_F(LocalServerEndToEnd, PageFromAnAllowedOriginGetsAPdfSignedAfterConsentAndTypedPin) {
    auto s = makeScene(false);
    allowed_->serve(page(*s), readFile(s->idDocument));
    s->startTray();

    // The person starts the server from the tray menu; the menu then says where it listens.
    s->ui->chooseFromTrayMenu(s->menu(), "server-start");
    ASSERT_TRUE(s->waitMenu([&](const json&) { return serverRunning(*s); }, 15s)) << s->context();
    EXPECT_NE(s->menu().dump().find("ascultă pe portul " + std::to_string(port_)),
              std::string::npos)
        << s->menu().dump();
    s->step("server started from the menu");

    WindowCounter consents(*s->ui, kConsentDialog);
    WindowCounter pins(*s->ui, TrayScene::kPinDialog);
    Browser browser(s->dir / "browser", allowed_->origin() + "/");

    // The consent dialog names the page's origin and the document; Allow is clicked.
    auto origin = s->ui->waitControl(kConsentDialog, {.label = allowed_->origin()}, 60s);
    EXPECT_EQ(origin.label, allowed_->origin());
    EXPECT_TRUE(s->ui->control(kConsentDialog, {.label = "contract.pdf"}).has_value());
    s->step("consent dialog shown");
    s->ui->screenshot("e2e-server-1-consent");
    s->ui->click(s->ui->waitControl(kConsentDialog, {.label = "Permiteți și semnați"}));
    s->typePinIntoDialog(20s);

    auto result = allowed_->waitResult(60s);
    ASSERT_TRUE(result.has_value()) << s->context();
    s->step("the page got its answer");
    ASSERT_EQ((*result)["status"], 200) << result->dump() << s->context();
    auto pdf = server::base64Decode((*result)["pdf"].get<std::string>());
    ASSERT_TRUE(pdf.has_value());
    auto signedPdf = s->dir / "from-the-page.pdf";
    writeFile(signedPdf, std::string(pdf->begin(), pdf->end()));
    auto sig = runProcess({"pdfsig", signedPdf.string()});
    EXPECT_NE(sig.out.find("Signature Validation: Signature is Valid."), std::string::npos)
        << sig.out << sig.err;
    EXPECT_NE(sig.out.find("ION POPESCU"), std::string::npos) << sig.out;
    EXPECT_EQ(consents.count(), 1);
    EXPECT_EQ(pins.count(), 1);

    EXPECT_EQ(s->quitTray(), 0) << s->context();
    EXPECT_EQ(s->trayLog().find("Sanitizer"), std::string::npos) << s->trayLog();
}

TEST_F(LocalServerEndToEnd, PageFromAForeignOriginGets403AndNoDialogIsShown) {
    auto s = makeScene(true);  // [server] enabled: the menu path is the test above
    PortalPage foreign;
    foreign.serve(page(*s), readFile(s->idDocument));
    s->startTray();
    ASSERT_TRUE(s->waitMenu([&](const json&) { return serverRunning(*s); }, 15s)) << s->context();

    WindowCounter consents(*s->ui, kConsentDialog);
    Browser browser(s->dir / "browser", foreign.origin() + "/");
    auto result = foreign.waitResult(60s);
    ASSERT_TRUE(result.has_value()) << s->context();
    // The page cannot read a refused answer (no CORS headers): fetch() fails for it...
    EXPECT_EQ((*result)["code"], "blocked") << result->dump();
    // ...and the browser's network log shows what the server said: 403 to its preflight.
    auto requests = browser.stopAndListRequests("/api/v1/sign/pdf");
    ASSERT_FALSE(requests.empty()) << "no request to the local server in the network log";
    for (const auto& r : requests) EXPECT_NE(r.find(" 403 "), std::string::npos) << r;
    std::this_thread::sleep_for(1s);
    EXPECT_EQ(consents.count(), 0) << s->context();
    EXPECT_EQ(s->trayLog().find("signing request from"), std::string::npos) << s->trayLog();

    EXPECT_EQ(s->quitTray(), 0) << s->context();
    EXPECT_EQ(s->trayLog().find("Sanitizer"), std::string::npos) << s->trayLog();
}

TEST_F(LocalServerEndToEnd, RefusingTheConsentGivesThePage403ConsentDenied) {
    auto s = makeScene(true);
    allowed_->serve(page(*s), readFile(s->idDocument));
    s->startTray();
    ASSERT_TRUE(s->waitMenu([&](const json&) { return serverRunning(*s); }, 15s)) << s->context();

    WindowCounter pins(*s->ui, TrayScene::kPinDialog);
    Browser browser(s->dir / "browser", allowed_->origin() + "/");
    s->ui->waitControl(kConsentDialog, {.label = allowed_->origin()}, 60s);
    s->ui->click(s->ui->waitControl(kConsentDialog, {.label = "Refuzați"}));

    auto result = allowed_->waitResult(30s);
    ASSERT_TRUE(result.has_value()) << s->context();
    EXPECT_EQ((*result)["status"], 403) << result->dump();
    EXPECT_EQ((*result)["code"], "CONSENT_DENIED") << result->dump();
    EXPECT_TRUE(s->ui->waitWindowGone(kConsentDialog, 5s)) << s->context();
    EXPECT_EQ(pins.count(), 0);

    EXPECT_EQ(s->quitTray(), 0) << s->context();
    EXPECT_EQ(s->trayLog().find("Sanitizer"), std::string::npos) << s->trayLog();
}

}  // namespace
}  // namespace certagent::testing
