#pragma once
// The composition root (conventions §10): every area of the agent is listed once, in
// app.cpp's area table, and started in that order, for both programs a person runs: the tray
// app (agent/gui) and `certagent-cli daemon`. Each program passes its adapters, so the two
// cannot drift apart:
//
//   app::Adapters adapters;
//   adapters.program = "tray";
//   adapters.notifier = ...;       // desktop notifications, or the console
//   adapters.pin = ...;            // the PIN dialog, or the terminal
//   adapters.consent = ...;        // the consent dialog for the local server ("ask")
//   adapters.prompts = ...;        // questions: confirm, choose, a file dialog
//   adapters.deviceSources = ...;  // udev / PC/SC / OS notifications (agent/platform)
//   app::App app(options, std::move(adapters));
//   app.agent().bus().subscribe(...);   // before start(): see every area's first events
//   for (auto& area : app.start()) ...  // what started, what did not and why
//
// Areas: tokens, local-server, devices (docs/architecture.md). The flows are plugins (renewal,
// expiry-reminders, timestamps: plugins/flows/*); they begin their background work on the
// AgentStarted event that start() publishes after the areas.
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "certagent/core/agent.hpp"
#include "certagent/core/device/agent_devices.hpp"
#include "certagent/core/server/consent.hpp"
#include "certagent/core/token/token_service.hpp"

namespace certagent::app {

struct Adapters {
    std::string program;  // "tray" | "daemon" (logs, status)
    std::shared_ptr<Notifier> notifier;  // default: ConsoleNotifier
    // Asks for a token PIN (any thread). Empty: nothing asks; a login fails with Cancelled.
    token::PinCallback pin;
    // The consent dialog for [server] consent = "ask". Empty: such requests are refused.
    server::ConsentFactory consent;
    // Questions plugins ask (certagent.ui/1: confirm, choose, choose_file), from any thread but
    // the UI's; unset ones answer "this program cannot ask".
    Prompts prompts;
    // The OS device event sources; empty or throwing: the device monitor polls.
    std::function<std::vector<std::unique_ptr<device::DeviceSource>>(const device::UsbIdFilter&)>
        deviceSources;
    // The token plugins' USB devices present now (platform::presentUsbDevices). Empty: no
    // "driver missing" check.
    std::function<std::vector<device::DeviceEvent>(const device::UsbIdFilter&)> usbDevices;
};

struct AreaStatus {
    std::string name;     // "tokens", "local-server", "devices"
    bool started = false;
    std::string detail;   // why not, or what it does ("listening on port 15000")
};

// The local signing server, which the tray also starts and stops from its menu. Its state goes
// out as a LocalServerState event (events.hpp) on every change.
class ServerControl {
public:
    struct Status {
        bool running = false;
        int port = 0;
        std::string consent;  // "ask" | "refuse" | "test"
        std::string error;    // why it is not running, when it failed
    };
    virtual ~ServerControl() = default;
    virtual Status status() const = 0;
    // Starts it with the config's options; throws certagent::Error (Io: port taken, Config).
    virtual Status start() = 0;
    virtual void stop() = 0;
};

class AgentLock;

// What a front end does after the person acted on a notification (App::onNotificationChoice).
struct ChoiceOutcome {
    bool openRenewal = false;  // show the renewal window for (token, cert)
    std::string token, cert;
};

class App {
public:
    // Builds the agent (config, state, plugins) and takes the agent lock of its state folder:
    // one agent per state folder (app/agent_lock.hpp); the tray takes over from a daemon.
    // Throws certagent::Error on a bad config, an unusable state folder, or when another
    // agent holds the folder; nothing is started yet.
    App(AgentOptions options, Adapters adapters);
    ~App();  // stops the areas (devices first), then the agent
    App(const App&) = delete;
    App& operator=(const App&) = delete;

    Agent& agent() { return *agent_; }
    const Adapters& adapters() const { return adapters_; }

    // Starts every area once, in table order; an area that fails is reported and the others
    // still start. Returns the same list as areas().
    const std::vector<AreaStatus>& start();
    std::vector<AreaStatus> areas() const;

    ServerControl& server();

    // A flow plugin's menu action (ui::MenuItem::action with "action": "plugin"): asks for a
    // file through the chooseFile adapter when the item wants one, runs the action and returns
    // the text to show. Not on the UI thread (the plugin may reach the network or the token).
    // nullopt: the person cancelled the file choice. Throws certagent::Error.
    std::optional<std::string> runPluginAction(const nlohmann::json& action);
    bool devicesRunning() const { return devices_.monitor != nullptr; }
    // Plugged-in tokens without a driver, as of the last rescan (empty before the devices area
    // runs); the DriversMissing event carries every change.
    std::vector<device::MissingDriver> missingDrivers() const;
    // Starts the installed vendor utility of this token plugin (ui::vendorToolItems) with the
    // session's basic environment, detached. Throws certagent::Error when it is not installed or
    // cannot start.
    void openVendorTool(const std::string& plugin);

    // The person acted on a notification: choice is one of the notification's "actions"
    // ({"action": "renew"|"snooze"|"dismiss"|..., "args"?}) or {"action": "open"} for a click
    // on the notification itself. Publishes the UserAction the areas and plugins act on, with
    // the notifying plugin's name (the expiry-reminders plugin's snooze, dismiss, ...; "renew"
    // and "open" only acknowledge the reminder: the renewal starts from
    // the window, once the person has chosen the years and the identity document).
    ChoiceOutcome onNotificationChoice(const nlohmann::json& notification,
                                       const nlohmann::json& choice);

    // Stops device monitoring and the local server (the tray's OnExit; the destructor does it
    // too).
    void stop();

    struct Area;  // app.cpp

private:
    Adapters adapters_;
    std::unique_ptr<Agent> agent_;
    std::unique_ptr<AgentLock> lock_;
    std::unique_ptr<ServerControl> server_;
    device::DeviceArea devices_;
    mutable std::mutex status_mutex_;
    std::vector<AreaStatus> status_;
    bool started_ = false;
};

}  // namespace certagent::app
