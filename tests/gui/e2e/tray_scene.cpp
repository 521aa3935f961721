#include "tray_scene.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <stdexcept>

namespace certagent::testing {
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using json = nlohmann::json;

int freeLoopbackPort() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
        throw std::runtime_error("no free port");
    ::close(fd);
    return ntohs(a.sin_port);
}

std::string missingProgram(const std::vector<std::string>& programs) {
    for (const auto& p : programs)
        if (runProcess({"sh", "-c", "command -v \"$0\"", p}).exit_code != 0) return p;
    return {};
}

const std::vector<std::string>& sceneProgramsNeeded() {
    static const std::vector<std::string> programs = {
        "Xvfb",        "dbus-launch", "dbus-monitor", "dunst",  "dunstctl",
        "trayer",      "xdotool",     "xwininfo",     "import", "softhsm2-util",
        "pkcs11-tool", "pdfsig",      "openssl",      "python3"};
    return programs;
}

TrayScene::TrayScene(TraySceneOptions options) : options_(std::move(options)) {
    home = dir / "home";
    for (auto d : {"config", "state", "runtime", "xdgstate", "data", "bin"})
        fs::create_directories(home / d);
    fs::permissions(home / "runtime", fs::perms::owner_all);

    ca = std::make_unique<SandboxCa>(dir / "ca",
                                     SandboxCaOptions{.auto_approve = true, .auto_pay = true});
    ca->start();
    token = &hsm.createToken("Titular", kPin);
    auto env = hsm.env();
    env.push_back(std::string("SCENE_PIN=") + kPin);
    auto r = ca->enroll({"--module", SoftHsm::modulePath().string(), "--token-label", "Titular",
                         "--pin-env", "SCENE_PIN", "--days", std::to_string(options_.daysLeft),
                         "--id", certId, "--label", "Semnatura", "--cn", "ION POPESCU"},
                        env);
    if (r.exit_code != 0) throw std::runtime_error("enroll failed: " + r.err);

    idDocument = dir / "buletin.pdf";
    auto py =
        runProcess({"python3", (sourceDir() / "tests/renewal-support/make_id_pdf.py").string(),
                    idDocument.string()});
    if (py.exit_code != 0) throw std::runtime_error("make_id_pdf: " + py.err);

    // [renewal] ca_bundle is the portal's trust, as sandbox-ca documents it; [verify] ca_bundle
    // the anchors for signatures (issuing + root).
    config = home / "agent.toml";
    writeFile(config, "[pkcs11]\nextra_modules = [\"" + SoftHsm::modulePath().string() +
                          "\"]\nuse_p11_kit = false\n[ui]\nautostart = false\n"
                          "[devices]\npoll_interval_seconds = 2\n[renewal]\nbackend = \"portal\"\n"
                          "portal_url = \"" +
                          ca->url() + "\"\nca_bundle = \"" + ca->trustBundle().string() +
                          "\"\n[verify]\nca_bundle = \"" + ca->caChain().string() + "\"\n" +
                          options_.extraConfig);

    // The desktop's "open this file" (wxLaunchDefaultApplication runs xdg-open from PATH):
    // records the file instead of starting a viewer on the test display.
    writeFile(home / "bin/xdg-open",
              "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '" + (home / "opened.txt").string() + "'\n");
    fs::permissions(home / "bin/xdg-open", fs::perms::owner_all);

    step("sandbox CA, token and config ready");
    desktop = std::make_unique<DesktopSession>(dir / "desktop", DesktopOptions{1024, 768});
    step("desktop ready");
    ui = std::make_unique<Ui>(*desktop, home / "layout.json");
    person_ = std::thread([this] { person(); });
}

TrayScene::~TrayScene() {
    stop_ = true;
    if (person_.joinable()) person_.join();
    tray.reset();
    ui.reset();
    desktop.reset();
    ca.reset();
}

void TrayScene::person() {
    HttpsTestClient browser(ca->trustBundle());
    std::size_t confirmed = 0;
    while (!stop_) {
        try {
            auto mails = ca->mails("account-confirmation");
            if (mails.size() > confirmed) {
                ca->confirmAccount(browser);
                confirmed = mails.size();
            }
        } catch (const std::exception&) {
            // a mail being written; try again
        }
        std::this_thread::sleep_for(200ms);
    }
}

void TrayScene::startTray() {
    auto env = desktop->env();
    for (auto& e : hsm.env()) env.push_back(e);
    const char* path = std::getenv("PATH");
    for (auto& e : std::vector<std::string>{
             "CERTAGENT_CONFIG=" + config.string(),
             "CERTAGENT_POLICY_FILE=" + (home / "no-policy.toml").string(),
             "CERTAGENT_STATE_DIR=" + (home / "state").string(),
             "XDG_CONFIG_HOME=" + (home / "config").string(),
             "XDG_STATE_HOME=" + (home / "xdgstate").string(),
             "XDG_DATA_HOME=" + (home / "data").string(),
             "XDG_RUNTIME_DIR=" + (home / "runtime").string(),
             "PATH=" + (home / "bin").string() + ":" + (path ? path : "/usr/bin:/bin"),
             "CERTAGENT_GUI_MENU_DUMP=" + (home / "menu.json").string(),
             "CERTAGENT_GUI_LAYOUT_DUMP=" + (home / "layout.json").string(),
             // Romanian, as the user; the renewal polls the CA every 2 s at most.
             "LANG=ro_RO.UTF-8", "LANGUAGE=ro", "NO_AT_BRIDGE=1", "CERTAGENT_RENEWAL_MAX_POLL_S=2"})
        env.push_back(e);
    tray = std::make_unique<BackgroundProcess>(std::vector<std::string>{guiBinary()}, env,
                                               home / "certagent.log");
    // Under AddressSanitizer the app starts several times slower.
    bool listed = waitMenu(
        [](const json& menu) {
            for (const auto& item : menu)
                if (item.value("id", "").rfind("cert:", 0) == 0) return true;
            return false;
        },
        60s);
    if (!listed)
        throw std::runtime_error("the tray menu never listed the certificate\n" + context());
    if (!waitUntil([&] { return ui->trayIcon().has_value(); }, 20s))
        throw std::runtime_error("the tray icon did not dock\n" + context());
    step("certagent docked, its menu lists the certificate");
}

int TrayScene::quitTray() {
    // An app that went away by itself before the person quit it is a failure whatever its code.
    if (!tray || !tray->running()) {
        step("certagent had already exited");
        return -2;
    }
    ui->chooseFromTrayMenu(menu(), "quit");
    auto code = tray->wait(20s);
    step("certagent quit with " + std::to_string(code));
    return code;
}

json TrayScene::menu() const {
    std::error_code ec;
    if (!fs::exists(home / "menu.json", ec)) return json::array();
    auto j = json::parse(readFile(home / "menu.json"), nullptr, false);
    return j.is_object() && j.contains("menu") ? j["menu"] : json::array();
}

bool TrayScene::waitMenu(const std::function<bool(const json&)>& done,
                         std::chrono::milliseconds timeout) const {
    return waitUntil([&] { return done(menu()); }, timeout);
}

void TrayScene::typePinIntoDialog(std::chrono::milliseconds appear) {
    auto field = ui->waitControl(kPinDialog, {.name = "text", .cls = "wxTextCtrl"}, appear);
    ui->click(field);
    ui->type(kPin, 150);
    ui->key("Return");
}

ProcessResult TrayScene::cli(std::vector<std::string> args) const {
    std::vector<std::string> argv = {CERTAGENT_CLI, "--config", config.string(), "--state-dir",
                                     (home / "cli-state").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    auto env = hsm.env();
    env.push_back("CERTAGENT_POLICY_FILE=" + (home / "no-policy.toml").string());
    env.push_back("LANG=C.UTF-8");
    env.push_back("LANGUAGE=en");
    return runProcess(argv, env, {}, 60);
}

std::string TrayScene::trayLog() const {
    std::error_code ec;
    return fs::exists(home / "certagent.log", ec) ? readFile(home / "certagent.log") : "";
}

std::string TrayScene::context() const {
    auto log = trayLog();
    if (log.size() > 6000) log = "…" + log.substr(log.size() - 6000);
    return "--- certagent log ---\n" + log + "\n--- screen ---\n" + (ui ? ui->describe() : "");
}

void TrayScene::step(const std::string& what) const {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - began_)
                  .count();
    std::printf("[%6.2f s] %s\n", static_cast<double>(ms) / 1000.0, what.c_str());
    std::fflush(stdout);
}

std::string TrayScene::opened() const {
    std::error_code ec;
    return fs::exists(home / "opened.txt", ec) ? readFile(home / "opened.txt") : "";
}

}  // namespace certagent::testing
