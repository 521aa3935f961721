#pragma once
// One end-to-end scene for the tray: a desktop (Xvfb 1024x768, private D-Bus, dunst, trayer),
// the sandbox CA (auto-approve, auto-pay), a SoftHSM2 token with a certificate the CA enrolled
// `daysLeft` days from expiry, a config pointing certagent at both, and certagent itself in
// Romanian, observed through its layout and menu dumps and driven through Ui (real X input).
// A "person" thread opens the CA's account-confirmation e-mail link when one arrives, as the
// user would in their mail. Everything is stopped when the scene dies.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "background_process.hpp"
#include "desktop_session.hpp"
#include "sandbox_ca/sandbox_ca.hpp"
#include "softhsm.hpp"
#include "temp_dir.hpp"
#include "ui_driver.hpp"

namespace certagent::testing {

struct TraySceneOptions {
    int daysLeft = 10;
    std::string extraConfig;  // appended to agent.toml (e.g. a [server] table)
};

class TrayScene {
  public:
    static constexpr const char* kPin = "123456";
    static constexpr const char* kPinDialog = "PIN-ul tokenului";

    explicit TrayScene(TraySceneOptions options = {});
    ~TrayScene();

    // Starts certagent and waits until its icon is docked and its menu lists the certificate.
    void startTray();
    // Quits through the tray menu ("Ieșire") and returns the exit code (-1: still running after
    // 20 s; -2: it had exited by itself). A sanitizer report in the log fails the caller.
    int quitTray();
    nlohmann::json menu() const;  // the menu dump's "menu" (empty before the first dump)
    bool waitMenu(const std::function<bool(const nlohmann::json&)>& done,
                  std::chrono::milliseconds timeout) const;
    // Clicks the PIN field of the PIN dialog and types the PIN key by key, then Return.
    void typePinIntoDialog(std::chrono::milliseconds appear = std::chrono::seconds(60));
    // certagent-cli with this scene's config and state.
    ProcessResult cli(std::vector<std::string> args) const;
    std::string trayLog() const;
    // The app's log and what is on screen, for failure messages.
    std::string context() const;
    // Files the app asked the desktop to open (xdg-open is a stub that records them).
    std::string opened() const;
    // Prints "[seconds since the scene began] what" (the test's log shows where time goes).
    void step(const std::string& what) const;

    TempDir dir{"certagent-e2e"};
    SoftHsm hsm;
    SoftHsmToken* token = nullptr;
    std::unique_ptr<SandboxCa> ca;
    std::string certId = "a1";
    std::filesystem::path home, config, idDocument;
    std::unique_ptr<DesktopSession> desktop;
    std::unique_ptr<Ui> ui;
    std::unique_ptr<BackgroundProcess> tray;

  private:
    void person();
    TraySceneOptions options_;
    std::chrono::steady_clock::time_point began_ = std::chrono::steady_clock::now();
    std::atomic<bool> stop_{false};
    std::thread person_;
};

// A free TCP port on 127.0.0.1 (bound and released; the caller binds it next).
int freeLoopbackPort();

// The first of these programs that is not on PATH ("" when all are): for CERTAGENT_NEED_LAB.
std::string missingProgram(const std::vector<std::string>& programs);
// The desktop's and the scene's programs (each from a package in tests/deps.sh).
const std::vector<std::string>& sceneProgramsNeeded();

}  // namespace certagent::testing
