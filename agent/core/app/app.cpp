#include "certagent/core/app/app.hpp"

#include "agent_lock.hpp"
#include "certagent/core/app/extensions.hpp"

#include <fmt/format.h>

#include "certagent/core/error.hpp"
#include "certagent/core/events.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/json_text.hpp"
#include "certagent/core/log.hpp"
#include "certagent/core/platform/launch.hpp"
#include "certagent/core/server/local_server.hpp"
#include "certagent/core/signing/trusted_list.hpp"
#include "certagent/core/token/agent_tokens.hpp"
#include "certagent/core/ui/menu_model.hpp"
#include "certagent/core/ui/token_help.hpp"

namespace certagent::app {
namespace {

using json = nlohmann::json;

class LocalServerControl final : public ServerControl {
public:
    LocalServerControl(Agent& agent, server::ConsentFactory ask)
        : agent_(agent), ask_(std::move(ask)) {}
    ~LocalServerControl() override { stop(); }

    Status status() const override {
        std::lock_guard lock(mutex_);
        return status_;
    }

    Status start() override {
        std::unique_lock lock(mutex_);
        if (server_) return status_;
        try {
            auto consent = server::consentFromConfig(agent_.config(), ask_);
            auto server = std::make_shared<server::LocalServer>(
                server::serverOptions(agent_.config()), server::serverServices(agent_, consent));
            server->start();
            status_ = {true, server->port(), consent->name(), {}};
            server_ = std::move(server);
            log::info("server", "local signing server listening on 127.0.0.1:{} (consent: {})",
                      status_.port, status_.consent);
        } catch (const std::exception& e) {
            status_ = {false, 0, {}, e.what()};
            auto copy = status_;
            lock.unlock();
            publish(copy);
            throw;
        }
        auto copy = status_;
        lock.unlock();
        publish(copy);
        return copy;
    }

    void stop() override {
        std::shared_ptr<server::LocalServer> server;
        Status copy;
        {
            std::lock_guard lock(mutex_);
            server = std::move(server_);
            if (!server) return;
            status_ = {false, 0, {}, {}};
            copy = status_;
        }
        server->stop();
        log::info("server", "local signing server stopped");
        publish(copy);
    }

private:
    void publish(const Status& s) {
        json e = {{"type", events::kLocalServerState},
                  {"running", s.running},
                  {"port", s.port},
                  {"consent", s.consent}};
        if (!s.error.empty()) e["error"] = s.error;
        agent_.bus().publish(std::move(e));
    }

    Agent& agent_;
    server::ConsentFactory ask_;
    mutable std::mutex mutex_;
    Status status_;
    std::shared_ptr<server::LocalServer> server_;
};

}  // namespace

// The areas, in the order they start. Each returns a line for the status list, or throws.
struct App::Area {
    const char* name;
    std::string (*start)(App& app);

    static std::string tokens(App& app) {
        // A bad [pkcs11] config or an unusable module shows now, not at the first read. No
        // token service is kept: modules load on first use and unload after each read.
        auto profiles = token::tokenProfiles(*app.agent_);
        token::makeTokenService(*app.agent_);
        return fmt::format("{} token types", profiles.size());
    }
    static std::string trustedList(App& app) {
        return signing::startTrustedListRefresh(*app.agent_);
    }
    static std::string localServer(App& app) {
        if (!app.agent_->config().getBool("server.enabled"))
            return "off ([server] enabled = false)";
        auto s = app.server_->start();
        return fmt::format("listening on port {} (consent: {})", s.port, s.consent);
    }
    static std::string devices(App& app) {
        std::vector<std::unique_ptr<device::DeviceSource>> sources;
        if (app.adapters_.deviceSources) {
            try {
                sources = app.adapters_.deviceSources(device::usbFilter(*app.agent_));
            } catch (const std::exception& e) {
                log::warn("devices", "no device event source ({}); polling the tokens instead",
                          e.what());
            }
        }
        device::DriverWatch::UsbLister usb;
        if (app.adapters_.usbDevices) {
            auto filter = device::usbFilter(*app.agent_);
            usb = [list = app.adapters_.usbDevices, filter] { return list(filter); };
        }
        app.devices_ = device::startDeviceMonitor(*app.agent_, std::move(sources),
                                                  device::monitorOptions(*app.agent_),
                                                  std::move(usb));
        return "on";
    }
};

namespace {
const App::Area kAreas[] = {
    {"tokens", &App::Area::tokens},
    {"trusted-list", &App::Area::trustedList},
    {"local-server", &App::Area::localServer},
    {"devices", &App::Area::devices},
};
}  // namespace

App::App(AgentOptions options, Adapters adapters) : adapters_(std::move(adapters)) {
    if (adapters_.notifier) options.notifier = adapters_.notifier;
    // The plugins find the areas' extensions and the program's adapters from their start.
    auto before = std::move(options.before_plugins);
    options.before_plugins = [this, before](Agent& agent) {
        installExtensions(agent).setPin(adapters_.pin);
        agent.services().setPrompts(adapters_.prompts);
        if (before) before(agent);
    };
    agent_ = std::make_unique<Agent>(std::move(options));
    std::optional<LockHolder> holder;
    lock_ = AgentLock::tryAcquire(agent_->stateDir(), adapters_.program, holder);
    if (!lock_ && holder && adapters_.program == "tray")
        lock_ = takeOver(agent_->stateDir(), adapters_.program, *holder, 10);
    if (!lock_) {
        auto who = holder && holder->program == "tray"     ? _("the tray app")
                   : holder && holder->program == "daemon" ? _("the daemon")
                                                           : _("another certagent");
        throw Error(ErrorKind::State,
                    fmt::format(fmt::runtime(_("{0} (PID {1}) already runs for this state "
                                               "folder; stop it first")),
                                who, holder ? holder->pid : 0),
                    agent_->stateDir().string());
    }
    server_ = std::make_unique<LocalServerControl>(*agent_, adapters_.consent);
}

App::~App() {
    stop();
    server_.reset();
    agent_.reset();
    lock_.reset();
}

ChoiceOutcome App::onNotificationChoice(const json& notification, const json& choice) {
    ChoiceOutcome out;
    auto what = jsonText(choice, "action");
    out.token = jsonText(notification, "token");
    out.cert = jsonText(notification, "cert");
    if (what.empty()) return out;
    const bool aboutCertificate = !out.token.empty() && !out.cert.empty();
    if (what == "renew" || what == "open") {
        out.openRenewal = aboutCertificate;
        if (!aboutCertificate) return out;
        what = "acknowledge";
    }
    json e = {{"type", events::kUserAction}, {"action", what}, {"token", out.token},
              {"cert", out.cert}, {"args", choice.value("args", json::object())},
              {"source", adapters_.program}};
    if (notification.contains("fingerprint")) e["fingerprint"] = notification["fingerprint"];
    if (notification.contains("renewal_id")) e["renewal_id"] = notification["renewal_id"];
    // Which plugin asked for this notification (certagent.ui/1 sets it; it cannot be forged).
    if (auto p = notification.find("plugin"); p != notification.end() && p->is_string())
        e["plugin"] = *p;
    agent_->bus().publish(std::move(e));
    return out;
}

const std::vector<AreaStatus>& App::start() {
    if (started_) return status_;
    started_ = true;
    for (const auto& area : kAreas) {
        AreaStatus s{area.name, false, {}};
        try {
            s.detail = area.start(*this);
            s.started = true;
            log::info("app", "{}: {} started ({})", adapters_.program, area.name, s.detail);
        } catch (const Error& e) {
            s.detail = describe(e);
        } catch (const std::exception& e) {
            s.detail = e.what();
        }
        if (!s.started)
            log::error("app", "{}: {} did not start: {}", adapters_.program, area.name, s.detail);
        std::lock_guard lock(status_mutex_);
        status_.push_back(std::move(s));
    }
    agent_->bus().publish({{"type", events::kAgentStarted}, {"program", adapters_.program}});
    return status_;
}

std::vector<AreaStatus> App::areas() const {
    std::lock_guard lock(status_mutex_);
    return status_;
}

ServerControl& App::server() { return *server_; }

std::optional<std::string> App::runPluginAction(const json& action) {
    auto name = action.value("plugin", std::string());
    std::string picked;
    if (ui::pluginActionNeedsFile(action)) {
        if (!adapters_.prompts.chooseFile)
            throw Error(ErrorKind::Usage, _("this action needs a file, and this program cannot "
                                            "ask for one"));
        auto file = adapters_.prompts.chooseFile({{"title", _("Choose a file")}});
        if (!file || !file->contains("path")) return std::nullopt;
        picked = file->value("path", std::string());
    }
    auto args = ui::pluginActionArgs(action, picked);
    auto* plugin = agent_->plugins().find(name);
    if (!plugin) throw Error(ErrorKind::Plugin, _("the plugin is no longer loaded"), name);
    return ui::pluginResultText(plugin->runAction(action.value("id", std::string()), args));
}

void App::openVendorTool(const std::string& plugin) {
    for (const auto& tool : ui::vendorToolViews(token::tokenProfiles(*agent_)))
        if (tool.plugin == plugin) {
            platform::launchDetached(tool.path);
            return;
        }
    throw Error(ErrorKind::Usage, _("The token vendor's utility is not installed"), plugin);
}

std::vector<device::MissingDriver> App::missingDrivers() const {
    return devices_.drivers ? devices_.drivers->current() : std::vector<device::MissingDriver>{};
}

void App::stop() {
    if (devices_.monitor) devices_.monitor->stop();
    if (server_) server_->stop();
}

}  // namespace certagent::app
