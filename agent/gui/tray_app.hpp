#pragma once
// The tray application: builds the agent and its areas, keeps the snapshot the presenters
// read, and routes menu and notification choices to the right window. Decisions are made in
// certagent::ui (core); this class only wires them to wxWidgets.
#include <wx/app.h>
#include <wx/menu.h>

#include <wx/thread.h>

#include <atomic>
#include <future>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "certagent/core/app/app.hpp"
#include "certagent/core/token/token_service.hpp"
#include "certagent/core/ui/menu_model.hpp"
#include "certagent/core/ui/pin_rules.hpp"
#include "certagent/core/ui/renewal_view.hpp"
#include "certagent/core/ui/single_instance.hpp"
#include "certagent/core/ui/tray_model.hpp"
#include "gui_ids.hpp"

namespace certagent::gui {

class TrayIcon;
class StatusNotifierIcon;
class FallbackWindow;
class RenewalWizard;

class TrayApp : public wxApp {
public:
    bool OnInit() override;
    int OnExit() override;

    Agent& agent() { return app_->agent(); }
    app::App& app() { return *app_; }
    // A service over the agent's token modules, for one operation. The app keeps none, so the
    // modules (OpenSC and the vendors' libraries are megabytes) are unloaded between reads.
    std::unique_ptr<token::TokenService> tokenService();
    ui::RenewalTracker& renewals() { return renewals_; }
    ui::PinCache& pinCache() { return *pin_cache_; }
    const ui::TraySnapshot& snapshot() const { return snapshot_; }
    const ui::TrayPresentation& presentation() const { return presentation_; }

    // A native menu for the current model; its items run runAction() when chosen.
    wxMenu* createMenu();
    // {"action": "renew"|"details"|"sign_pdf"|"settings"|"open_logs"|"about"|"quit"|"renewal"|
    //  "plugin", ...} (see ui::MenuItem::action)
    void runAction(const nlohmann::json& action);
    // A notification button or click: {"action", "token", "cert", "args"} (reminders' actions).
    void onNotificationChoice(const nlohmann::json& notification, const nlohmann::json& choice);

    void openWizard(const std::string& token, const std::string& cert,
                    const std::string& renewalId = {});
    // Shows the PIN dialog (main thread only). nullopt: cancelled.
    std::optional<SecretString> askPin(const ui::PinPolicy& policy);
    // The PIN dialog's rules for a token as it was last read (lengths, PIN flags, profile).
    ui::PinPolicy pinPolicyFor(const token::TokenInfo& token) const;
    // Runs fn on the main thread and waits for its answer (from any thread); nullopt when the
    // app quits first. On the main thread, runs it at once.
    template <typename T>
    std::optional<T> onMainThread(std::function<T()> fn);
    // A PinCallback usable from worker threads: the dialog runs on the main thread.
    token::PinCallback pinCallback();
    void setSigning(bool signing);
    // User-started work off the UI thread (signing a PDF, a plugin's action): one job at a
    // time, joined at exit. false: another job is still running (nothing started).
    bool startJob(std::function<void()> work);
    bool exiting() const { return exiting_; }
    void refreshTokens();  // re-reads tokens on a worker thread, then re-presents
    // The profile of the token plugin that claims `token` (nullptr: none). Any thread.
    const token::TokenProfile* profileOf(const token::TokenInfo& token) const {
        return profileFor(token);
    }

private:
    bool startAgent();  // after the icon is up; false: it could not start (said to the user)
    void present();
    void showDetails(const std::string& token, const std::string& cert);
    void runPluginAction(const nlohmann::json& action);
    void showSettings();
    void showAbout();
    void openLogFolder();
    void activate();  // a second start asked us to show ourselves
    // What this start or a second one asked for: "" (show yourself) or "renew SERIAL CERTID".
    void handleRequest(const std::string& request);
    void quitOnSignal();
    void toggleServer(bool start);
    void onBusEvent(const nlohmann::json& event);
    void runTestHooks();
    void startLayoutDump(const std::string& file);  // layout_dump.cpp
    void showTestWindow();  // CERTAGENT_GUI_SHOW, after the first token read
    const token::TokenProfile* profileFor(const token::TokenInfo& token) const;

    TestHooks hooks_;
    bool show_pending_ = false;  // hooks_.show waits for the first token read
    std::unique_ptr<ui::SingleInstance> instance_;
    std::unique_ptr<app::App> app_;
    std::string start_request_;  // from the command line, handled once the agent runs
    std::vector<token::TokenProfile> profiles_;
    std::unique_ptr<ui::PinCache> pin_cache_;
    ui::RenewalTracker renewals_;
    ui::TraySnapshot snapshot_;
    ui::TrayPresentation presentation_;
    ui::MenuModel menu_;
    std::vector<nlohmann::json> menu_actions_;  // index = menu id - kFirstMenuId
    TrayIcon* tray_ = nullptr;
    std::unique_ptr<StatusNotifierIcon> sni_;  // instead of tray_ when a watcher is on the bus
    FallbackWindow* fallback_ = nullptr;
    RenewalWizard* wizard_ = nullptr;
    std::vector<uint64_t> subscriptions_;
    std::atomic<bool> refreshing_{false};
    std::atomic<bool> refresh_again_{false};
    std::thread refresh_thread_;
    std::thread job_thread_;
    std::atomic<bool> job_running_{false};
    std::atomic<bool> exiting_{false};
    bool signing_ = false;
    std::unique_ptr<wxEvtHandler> layout_dump_;
    bool first_presented_ = false;
};


template <typename T>
std::optional<T> TrayApp::onMainThread(std::function<T()> fn) {
    if (wxThread::IsMain()) return fn();
    if (exiting_) return std::nullopt;
    auto done = std::make_shared<std::promise<T>>();
    auto result = done->get_future();
    CallAfter([fn, done] { done->set_value(fn()); });
    while (result.wait_for(std::chrono::milliseconds(200)) != std::future_status::ready)
        if (exiting_) return std::nullopt;
    return result.get();
}

// The questions plugins ask (certagent.ui/1) as dialogs: prompts.cpp.
Prompts makePrompts(TrayApp& app);

}  // namespace certagent::gui
