#include "tray_app.hpp"
#include "wx_text.hpp"

#include <fmt/format.h>
#include <wx/aboutdlg.h>
#include <wx/filedlg.h>
#include <wx/msgdlg.h>
#include <wx/utils.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <future>

#include "certagent/core/error.hpp"
#include "certagent/core/events.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/json_text.hpp"
#include "certagent/core/log.hpp"
#include "certagent/core/paths.hpp"
#include "certagent/core/token/agent_tokens.hpp"
#include "certagent/core/ui/autostart.hpp"
#include "certagent/core/ui/settings_model.hpp"
#include "certificate_window.hpp"
#include "consent_dialog.hpp"
#include "desktop_notifier.hpp"
#include "device_sources.hpp"
#include "fallback_window.hpp"
#include "pin_dialog.hpp"
#include "renewal_wizard.hpp"
#include "settings_dialog.hpp"
#include "sign_pdf.hpp"
#include "state_icons.hpp"
#include "status_notifier_icon.hpp"
#include "token_care.hpp"
#include "tray_icon.hpp"
#include "verify_document.hpp"
#include "wx_notifier.hpp"

wxIMPLEMENT_APP_NO_MAIN(certagent::gui::TrayApp);

namespace certagent::gui {
namespace {

using json = nlohmann::json;
constexpr int kFirstMenuId = wxID_HIGHEST + 100;


std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

void appendItems(TrayApp& app, wxMenu* menu, const std::vector<ui::MenuItem>& items,
                 std::vector<json>& actions) {
    for (const auto& item : items) {
        switch (item.kind) {
            case ui::MenuItem::Kind::Separator: menu->AppendSeparator(); break;
            case ui::MenuItem::Kind::Header: menu->Append(wxID_ANY, u8(item.label))->Enable(false);
                break;
            case ui::MenuItem::Kind::Submenu: {
                auto* sub = new wxMenu();
                appendItems(app, sub, item.children, actions);
                menu->AppendSubMenu(sub, u8(item.label))->Enable(item.enabled);
                break;
            }
            case ui::MenuItem::Kind::Action: {
                int id = kFirstMenuId + static_cast<int>(actions.size());
                actions.push_back(item.action);
                menu->Append(id, u8(item.label))->Enable(item.enabled);
                break;
            }
        }
    }
}

}  // namespace

TestHooks TestHooks::fromEnvironment() {
    return {env("CERTAGENT_GUI_MENU_DUMP"), env("CERTAGENT_GUI_SHOW"), env("CERTAGENT_GUI_REPLAY"),
            env("CERTAGENT_GUI_LAYOUT_DUMP")};
}

bool TrayApp::OnInit() {
    SetAppName("certagent");
    // A tray app has no main window: without this, wx ends the main loop whenever the last
    // top-level window is destroyed (a refused consent dialog, a PIN dialog closed while nothing
    // else is open) and the tray quits. It quits only through "Quit".
    SetExitOnFrameDelete(false);
    i18n::init("auto");
    loadWxCatalogs();
    hooks_ = TestHooks::fromEnvironment();
    // certagent --renew SERIAL CERTID: open the renewal window for that certificate (the
    // daemon's "Renew now" starts us so); a running tray is asked to do it instead.
    if (argc == 4 && wxString(argv[1]) == "--renew")
        start_request_ = "renew " + argv[2].utf8_string() + " " + argv[3].utf8_string();
    bool otherInstance = false;
    try {
        instance_ = ui::SingleInstance::acquire(
            ui::runtimeDir(),
            [this](const std::string& request) {
                CallAfter([this, request] { handleRequest(request); });
            },
            start_request_);
        otherInstance = !instance_;
    } catch (const std::exception& e) {
        log::warn("gui", "single instance check skipped: {}", e.what());
    }
    // Another certagent runs for this user; it was asked to show itself.
    if (otherInstance) return false;
    if (!hooks_.layoutDump.empty()) startLayoutDump(hooks_.layoutDump);
    // The icon first: it docks during the first round of the event loop, while the agent
    // starts (config, state, plugins, token modules) right after it. A StatusNotifierItem when
    // the desktop shows those (KDE, GNOME with AppIndicator, Wayland), else XEmbed.
    sni_ = StatusNotifierIcon::create(*this);
    if (sni_) {
        sni_->show(ui::presentStarting(), menu_);
    } else if (wxTaskBarIcon::IsAvailable()) {
        tray_ = new TrayIcon(*this);
        tray_->show(ui::presentStarting());
    } else {
        log::warn("gui", "no system tray: showing a window instead");
        fallback_ = new FallbackWindow(*this);
        fallback_->show(ui::presentStarting());
        fallback_->Show();
    }
    CallAfter([this] {
        if (!startAgent()) ExitMainLoop();
    });
#ifdef __UNIX__
    // The session ends (logout, systemctl stop, a daemon's takeover refused): SIGTERM quits as
    // "Quit" does, so the agent stops cleanly (journal, lock, PIN cache). wx runs the handler
    // from the event loop, not in the signal's context.
    SetSignalHandler(SIGTERM, [](int) {
        if (auto* app = dynamic_cast<TrayApp*>(wxTheApp)) app->quitOnSignal();
    });
#endif
    return true;
}

void TrayApp::quitOnSignal() {
    // A modal dialog (PIN, consent, message) runs its own loop: end it first, as a Cancel.
    for (auto* w : wxTopLevelWindows)
        if (auto* d = dynamic_cast<wxDialog*>(w); d && d->IsModal()) d->EndModal(wxID_CANCEL);
    CallAfter([this] { runAction(json{{"action", "quit"}}); });
}

bool TrayApp::startAgent() {
    // The adapters: how this program notifies, asks for a PIN, a consent, a file, and where
    // device events come from. Everything else is the composition root's (core/app).
    pin_cache_ = std::make_unique<ui::PinCache>(false);
    app::Adapters adapters;
    adapters.program = "tray";
    adapters.notifier = platform::makeDesktopNotifier(
        [this](const json& notification, const json& choice) {
            CallAfter([this, notification, choice] { onNotificationChoice(notification, choice); });
        });
    if (!adapters.notifier) adapters.notifier = std::make_shared<WxNotifier>(*this);
    adapters.pin = pinCallback();
    adapters.consent = [this] { return makeConsentDialog(*this); };
    adapters.prompts = makePrompts(*this);
    adapters.deviceSources = [](const device::UsbIdFilter& filter) {
        return platform::makeDeviceSources(filter);
    };
    adapters.usbDevices = [](const device::UsbIdFilter& filter) {
        return platform::presentUsbDevices(filter);
    };
    try {
        app_ = std::make_unique<app::App>(AgentOptions{}, std::move(adapters));
        profiles_ = token::tokenProfiles(agent());
    } catch (const std::exception& e) {
        wxMessageBox(u8(fmt::format(fmt::runtime(_("certagent cannot start: {0}")), e.what())),
                     "certagent", wxOK | wxICON_ERROR);
        return false;
    }
    pin_cache_->setEnabled(agent().config().getBool("ui.pin_cache"));

    // The config decides whether we start with the session; keep the entry in line with it.
    try {
        auto autostart = ui::makeAutostart();
        bool wanted = agent().config().getBool("ui.autostart");
        if (autostart->isEnabled() != wanted)
            autostart->setEnabled(wanted, {paths::executableDir() / "certagent"});
    } catch (const std::exception& e) {
        log::warn("gui", "autostart entry not updated: {}", e.what());
    }

    // Before the areas start, so their first events (tokens found, interrupted renewals, the
    // server's state) reach the menu.
    subscriptions_.push_back(agent().bus().subscribe(
        fmt::format("{},{},{},{},{},{},{}", events::kTokenInserted, events::kTokenRemoved,
                    events::kCertificatesChanged, events::kRenewalProgress, events::kReminderDue,
                    events::kLocalServerState, events::kDriversMissing),
        [this](const json& e) { CallAfter([this, e] { onBusEvent(e); }); }));

    snapshot_.server.known = true;
    present();
    refreshTokens();
    // After the first round of the event loop: the icon docks first, the areas (reminders read
    // the tokens, the renewal journal, the server, the device monitor) start afterwards.
    CallAfter([this] {
        for (const auto& area : app_->start())
            if (!area.started) log::error("gui", "{} did not start: {}", area.name, area.detail);
        auto status = app_->server().status();
        snapshot_.server.running = status.running;
        snapshot_.server.port = status.port;
        present();
        runTestHooks();
        if (!start_request_.empty()) handleRequest(std::exchange(start_request_, {}));
    });
    return true;
}

int TrayApp::OnExit() {
    exiting_ = true;  // a job waiting for a PIN dialog gets "cancelled" instead
    sni_.reset();  // no menu choice arrives from the bus any more
    if (app_) app_->stop();
    if (refresh_thread_.joinable()) refresh_thread_.join();
    if (job_thread_.joinable()) job_thread_.join();
    if (app_)
        for (auto id : subscriptions_) agent().bus().unsubscribe(id);
    if (tray_) {
        tray_->RemoveIcon();
        delete tray_;
        tray_ = nullptr;
    }
    if (pin_cache_) pin_cache_->clear();
    app_.reset();
    instance_.reset();
    return wxApp::OnExit();
}

std::unique_ptr<token::TokenService> TrayApp::tokenService() {
    return token::makeTokenService(agent());
}

void TrayApp::refreshTokens() {
    if (refreshing_.exchange(true)) {
        refresh_again_ = true;
        return;
    }
    if (refresh_thread_.joinable()) refresh_thread_.join();
    refresh_thread_ = std::thread([this] {
        std::vector<ui::TokenView> views;
        auto tools = ui::vendorToolViews(profiles_);  // installed since the last read?
        try {
            auto service = tokenService();
            auto list = service->tokens();
            auto certs = service->certificates();
            views = ui::tokenViews(list, certs, agent().clock().now(),
                                   service->options().expiringWithinDays);
        } catch (const std::exception& e) {
            log::warn("gui", "reading tokens failed: {}", e.what());
        }
        CallAfter([this, views = std::move(views), tools = std::move(tools)]() mutable {
            for (auto& v : views) {  // what the token's vendor calls its SO PIN
                token::TokenInfo info;
                info.plugin = v.plugin;
                v.soPinName = ui::unblockPinName(profileFor(info));
            }
            snapshot_.tokens = std::move(views);
            snapshot_.vendorTools = std::move(tools);
            refreshing_ = false;
            present();
            if (refresh_again_.exchange(false)) refreshTokens();
            else if (show_pending_) {
                show_pending_ = false;
                showTestWindow();
            }
        });
    });
}

void TrayApp::present() {
    snapshot_.renewals.clear();
    for (const auto& r : renewals_.all()) {
        if (r.finished) continue;
        ui::PendingRenewal p;
        p.renewalId = r.renewalId;
        p.token = r.token;
        p.cert = r.cert;
        for (const auto& t : snapshot_.tokens)
            for (const auto& c : t.certificates)
                if (t.serial == r.token && c.idHex == r.cert) p.holder = c.holder;
        p.stepTitle = ui::renewalStepTitle(r.currentStep);
        p.stateText = r.interrupted ? std::string(_("interrupted — continue it from here"))
                                    : ui::stepStateText(r.state);
        p.active = r.state == ui::StepState::Running;
        p.failed = r.state == ui::StepState::Failed;
        snapshot_.renewals.push_back(std::move(p));
    }
    snapshot_.signing = signing_;
    presentation_ = ui::presentTray(snapshot_);
    json context = {{"tokens", json::array()}};
    for (const auto& t : snapshot_.tokens) {
        json tok = {{"serial", t.serial}, {"label", t.label}, {"certs", json::array()}};
        for (const auto& c : t.certificates)
            tok["certs"].push_back({{"id", c.idHex}, {"holder", c.holder},
                                    {"days_left", c.daysLeft},
                                    {"status", token::certStatusName(c.status)}});
        context["tokens"].push_back(std::move(tok));
    }
    menu_ = ui::buildMenu(snapshot_, ui::collectPluginItems(agent().plugins(), context));
    if (tray_) tray_->show(presentation_);
    if (sni_) sni_->show(presentation_, menu_);
    if (fallback_) fallback_->show(presentation_);
    if (!hooks_.menuDump.empty()) {
        json dump = {{"state", ui::trayStateName(presentation_.state)},
                     {"tooltip", presentation_.tooltip},
                     {"tray", tray_ != nullptr || sni_ != nullptr},
                     {"tray_protocol", sni_ ? "sni" : tray_ ? "xembed" : "window"},
                     {"menu", menu_.toJson()}};
        std::ofstream(hooks_.menuDump + ".tmp") << dump.dump(2) << "\n";
        std::filesystem::rename(hooks_.menuDump + ".tmp", hooks_.menuDump);
    }
}

wxMenu* TrayApp::createMenu() {
    auto* menu = new wxMenu();
    menu_actions_.clear();
    appendItems(*this, menu, menu_.items, menu_actions_);
    menu->Bind(wxEVT_MENU, [this](wxCommandEvent& e) {
        size_t i = static_cast<size_t>(e.GetId() - kFirstMenuId);
        if (i < menu_actions_.size()) {
            auto action = menu_actions_[i];
            // After the menu has closed, so dialogs are not opened from inside its loop.
            CallAfter([this, action] { runAction(action); });
        }
    });
    return menu;
}

void TrayApp::runAction(const json& action) {
    auto what = jsonText(action, "action");
    if (!app_) {  // still starting: only quitting makes sense
        if (what == "quit") ExitMainLoop();
        return;
    }
    if (what == "renew") {
        openWizard(jsonText(action, "token"), jsonText(action, "cert"));
    } else if (what == "renewal") {
        openWizard(jsonText(action, "token"), jsonText(action, "cert"),
                   jsonText(action, "renewal_id"));
    } else if (what == "details") {
        showDetails(jsonText(action, "token"), jsonText(action, "cert"));
    } else if (what == "sign_pdf") {
        signPdfInteractively(*this);
    } else if (what == "verify") {
        verifyInteractively(*this);
    } else if (what == "settings") {
        showSettings();
    } else if (what == "open_logs") {
        openLogFolder();
    } else if (what == "about") {
        showAbout();
    } else if (what == "quit") {
        if (wizard_) wizard_->Destroy();
        if (fallback_) fallback_->Destroy();
        ExitMainLoop();
    } else if (what == "plugin") {
        runPluginAction(action);
    } else if (what == "open_url") {
        // Only the driver links the menu model let through (https://).
        if (auto url = jsonText(action, "url"); ui::isSafeDriverUrl(url))
            wxLaunchDefaultBrowser(u8(url));
    } else if (what == "vendor_tool") {
        try {
            app_->openVendorTool(jsonText(action, "plugin"));
        } catch (const std::exception& e) {
            wxMessageBox(u8(e.what()), "certagent", wxOK | wxICON_ERROR);
        }
    } else if (what == "server_start" || what == "server_stop") {
        toggleServer(what == "server_start");
    } else if (what == "pin_change" || what == "pin_unblock") {
        runPinTask(*this, jsonText(action, "token"),
                   what == "pin_change" ? ui::PinTask::Change : ui::PinTask::Unblock);
    } else if (what.rfind("browser_", 0) == 0) {
        runBrowserAction(*this, what.substr(8));
    }
}

void TrayApp::toggleServer(bool start) {
    if (!start) {
        app_->server().stop();
        return;
    }
    try {
        app_->server().start();
    } catch (const std::exception& e) {
        wxMessageBox(u8(fmt::format(fmt::runtime(_("The local signing server did not start: {0}")),
                                    e.what())),
                     "certagent", wxOK | wxICON_ERROR);
    }
}

bool TrayApp::startJob(std::function<void()> work) {
    if (job_running_.exchange(true)) return false;
    if (job_thread_.joinable()) job_thread_.join();  // the previous job, already finished
    job_thread_ = std::thread([this, work = std::move(work)] {
        try {
            work();
        } catch (const std::exception& e) {
            log::error("gui", "background job failed: {}", e.what());
        }
        job_running_ = false;
    });
    return true;
}

void TrayApp::runPluginAction(const json& action) {
    // A plugin's action may reach the network or the token (and may ask for a file through the
    // prompts adapter): never on the UI thread.
    bool started = startJob([this, action] {
        std::optional<std::string> message;
        std::string error;
        try {
            message = app_->runPluginAction(action);
        } catch (const std::exception& e) {
            error = e.what();
        }
        if (exiting()) return;
        CallAfter([this, message, error] {
            if (!error.empty())
                wxMessageBox(u8(error), "certagent", wxOK | wxICON_ERROR);
            else if (message)
                wxMessageBox(u8(*message), "certagent", wxOK | wxICON_INFORMATION);
            refreshTokens();  // a quota or a certificate may have changed
        });
    });
    if (!started)
        wxMessageBox(u8(_("Another operation is still running; try again when it has finished.")),
                     "certagent", wxOK | wxICON_INFORMATION);
}

void TrayApp::onNotificationChoice(const json& notification, const json& choice) {
    if (!app_) return;
    auto outcome = app_->onNotificationChoice(notification, choice);
    if (outcome.openRenewal)
        openWizard(outcome.token, outcome.cert, jsonText(notification, "renewal_id"));
    else if (jsonText(choice, "action") == "open")
        activate();
}

void TrayApp::handleRequest(const std::string& request) {
    if (request.rfind("renew ", 0) == 0 && app_) {
        auto rest = request.substr(6);
        auto space = rest.find(' ');
        if (space != std::string::npos) {
            openWizard(rest.substr(0, space), rest.substr(space + 1));
            return;
        }
    }
    if (!app_ && !request.empty()) {
        start_request_ = request;  // handled once the agent runs
        return;
    }
    activate();
}

void TrayApp::openWizard(const std::string& tok, const std::string& cert,
                         const std::string& renewalId) {
    ui::CertView view;
    view.tokenSerial = tok;
    view.idHex = cert;
    view.holder = cert;
    for (const auto& t : snapshot_.tokens)
        for (const auto& c : t.certificates)
            if (t.serial == tok && c.idHex == cert) view = c;
    if (!wizard_) wizard_ = new RenewalWizard(*this, view);
    wizard_->setCertificate(view, renewalId);
    wizard_->Show();
    wizard_->Raise();
}

void TrayApp::showDetails(const std::string& tok, const std::string& cert) {
    for (const auto& t : snapshot_.tokens) {
        if (t.serial != tok) continue;
        std::vector<token::Bytes> others;
        for (const auto& c : t.certificates)
            if (c.idHex != cert && !c.der.empty()) others.push_back(c.der);
        for (const auto& c : t.certificates)
            if (c.idHex == cert) return showCertificateWindow(*this, c, others);
    }
}

void TrayApp::showSettings() {
    ui::SettingsModel model(agent().config(), paths::userConfigFile());
    SettingsDialog dialog(nullptr, model);
    if (dialog.ShowModal() != wxID_OK) return;
    try {
        model.save(dialog.values());
        const auto& v = dialog.values();
        if (!model.isLocked("ui.autostart"))
            ui::makeAutostart()->setEnabled(v.autostart, {paths::executableDir() / "certagent"});
        pin_cache_->setEnabled(v.pinCache);
        i18n::setLanguage(v.language);
        loadWxCatalogs();
        present();
        wxMessageBox(u8(_("Settings saved. New reminder days and the portal address apply the "
                          "next time certagent starts.")),
                     "certagent", wxOK | wxICON_INFORMATION);
    } catch (const std::exception& e) {
        wxMessageBox(u8(e.what()), u8(_("The settings were not saved")), wxOK | wxICON_ERROR);
    }
}

void TrayApp::showAbout() {
    wxAboutDialogInfo info;
    info.SetName("certagent");
    info.SetVersion(CERTAGENT_VERSION);
    info.SetDescription(u8(_("Watches the certificates on your e-signature tokens, reminds you "
                             "before they expire and renews them.")));
    info.SetCopyright(u8(_("© the certagent contributors")));
    info.SetIcon(stateIcon(ui::TrayState::AllValid, 64));
    wxAboutBox(info);
}

void TrayApp::openLogFolder() {
    auto dir = agent().stateDir();
    if (!wxLaunchDefaultApplication(u8(dir.string())))
        wxMessageBox(u8(fmt::format(fmt::runtime(_("The log folder is {0}")), dir.string())),
                     "certagent", wxOK | wxICON_INFORMATION);
}

void TrayApp::activate() {
    if (fallback_) {
        fallback_->Iconize(false);
        fallback_->Raise();
    } else if (sni_) {
        // The desktop draws the icon and opens its menu; nothing of ours can be raised.
        log::info("gui", "already running: its icon is in the panel");
    } else if (tray_) {
        // Nothing to raise: a tray icon shows itself; open its menu where the user looks.
        std::unique_ptr<wxMenu> menu(createMenu());
        tray_->PopupMenu(menu.get());
    }
}

void TrayApp::onBusEvent(const json& event) {
    auto type = jsonText(event, "type");
    if (type == events::kRenewalProgress) {
        renewals_.apply(event);
        if (wizard_) wizard_->update();
        present();
        if (jsonText(event, "state") == "done" && jsonText(event, "step") == "install")
            refreshTokens();
    } else if (type == events::kReminderDue) {
        present();
    } else if (type == events::kDriversMissing) {
        snapshot_.missingDrivers = ui::missingDriverViews(event.value("devices", json::array()));
        present();
    } else if (type == events::kLocalServerState) {
        snapshot_.server.running = event.value("running", false);
        snapshot_.server.port = event.value("port", 0);
        snapshot_.server.error = jsonText(event, "error");
        present();
    } else {
        refreshTokens();
    }
}

void TrayApp::setSigning(bool signing) {
    signing_ = signing;
    present();
}

ui::PinPolicy TrayApp::pinPolicyFor(const token::TokenInfo& tok) const {
    token::PinRequest request;
    request.token = tok;
    request.state = tok.userPin.state();
    request.triesLeft = tok.userPin.triesLeft();
    return ui::pinPolicy(request, profileFor(tok));
}

const token::TokenProfile* TrayApp::profileFor(const token::TokenInfo& tok) const {
    for (const auto& p : profiles_)
        if (p.name == tok.plugin) return &p;
    return nullptr;
}

std::optional<SecretString> TrayApp::askPin(const ui::PinPolicy& policy) {
    PinDialog dialog(nullptr, policy);
    if (dialog.ShowModal() != wxID_OK) return std::nullopt;
    return dialog.takePin();
}

token::PinCallback TrayApp::pinCallback() {
    auto asker = [this](const ui::PinPolicy& policy) -> std::optional<SecretString> {
        if (wxThread::IsMain()) return askPin(policy);
        if (exiting_) return std::nullopt;
        auto done = std::make_shared<std::promise<std::optional<SecretString>>>();
        auto result = done->get_future();
        CallAfter([this, policy, done] { done->set_value(askPin(policy)); });
        // The app may quit before it shows the dialog: then the request counts as cancelled.
        while (result.wait_for(std::chrono::milliseconds(200)) != std::future_status::ready)
            if (exiting_) return std::nullopt;
        return result.get();
    };
    return ui::makePinCallback(*pin_cache_, asker,
                               [this](const token::TokenInfo& t) { return profileFor(t); });
}

void TrayApp::runTestHooks() {
    if (!hooks_.replay.empty()) {
        std::ifstream in(hooks_.replay);
        std::string line;
        while (std::getline(in, line))
            if (!line.empty()) agent().bus().publish(json::parse(line, nullptr, false));
    }
    // The window is opened once the first token read is in (refreshTokens), so it shows
    // real data however long the token modules take to answer.
    show_pending_ = !hooks_.show.empty();
}

void TrayApp::showTestWindow() {
    const auto show = hooks_.show;
    const ui::CertView* first = nullptr;
    for (const auto& t : snapshot_.tokens)
        for (const auto& c : t.certificates)
            if (!first) first = &c;
    if (show == "pin" || show == "pin-final") {
        token::PinRequest req;
        req.token.serial = first ? first->tokenSerial : "0000";
        req.token.label = first ? first->tokenLabel : "token";
        req.token.minPinLength = 4;
        req.token.maxPinLength = 16;
        if (show == "pin-final") {
            req.state = token::PinState::FinalTry;
            req.triesLeft = 1;
        }
        auto policy = ui::pinPolicy(req, nullptr);
        askPin(policy);
    } else if (show == "wizard" && first) {
        openWizard(first->tokenSerial, first->idHex);
    } else if (show == "wizard") {
        log::warn("gui", "CERTAGENT_GUI_SHOW=wizard: no certificate on the tokens to renew");
    } else if (show == "details" && first) {
        showDetails(first->tokenSerial, first->idHex);
    } else if ((show == "pin-change" || show == "pin-unblock") && !snapshot_.tokens.empty()) {
        runPinTask(*this, snapshot_.tokens.front().serial,
                   show == "pin-change" ? ui::PinTask::Change : ui::PinTask::Unblock);
    } else if (show == "settings") {
        showSettings();
    } else if (show == "about") {
        showAbout();
    } else if (show.rfind("verify:", 0) == 0) {
        verifyFile(*this, std::filesystem::u8path(show.substr(7)));
    }
}

}  // namespace certagent::gui
