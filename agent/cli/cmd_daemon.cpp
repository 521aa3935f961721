// certagent-cli daemon: the headless agent. Builds the composition root
// (certagent/core/app/app.hpp) with the daemon's adapters — desktop notifications over D-Bus
// when a session has a notification service (else the console and the log), the terminal for
// PINs when there is one, no consent dialog (so [server] consent = "ask" refuses) — starts every
// area and sleeps until a stop signal (platform/stop_signals.hpp). Logs go to <state
// dir>/logs/certagent.log.
#include <fmt/format.h>

#include <atomic>

#include "certagent/core/app/app.hpp"
#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"
#include "certagent/core/paths.hpp"
#include "certagent/core/platform/launch.hpp"
#include "certagent/core/platform/stop_signals.hpp"
#include "certagent/core/platform/system.hpp"
#include "command.hpp"
#include "desktop_notifier.hpp"
#include "device_sources.hpp"
#include "service_manager.hpp"

namespace certagent::cli {
namespace {

// "Renew now" (or a click) on a daemon's notification opens the tray app's renewal window,
// which takes over from the daemon (app/agent_lock.hpp). Without the tray app, the log says how
// to renew from the terminal.
void openRenewalWindow(const std::string& token, const std::string& cert) {
    auto tray = paths::executableDir() / platform::executableFileName("certagent");
    // The agent's own variables (CERTAGENT_CONFIG, CERTAGENT_STATE_DIR) go along: the tray app
    // takes over this daemon's state.
    try {
        platform::launchDetached(tray, {"--renew", token, cert},
                                 platform::LaunchEnvironment::Inherited);
    } catch (const Error&) {
        log::warn("daemon",
                  "the tray app is not installed; renew with: certagent-cli renew "
                  "--token {} --cert {}",
                  token, cert);
        return;
    }
    log::info("daemon", "opened the renewal window (certagent)");
}

int runDaemon(Context& ctx) {
    Args args(ctx.args, {}, {});
    if (!args.positionals().empty()) throw Error(ErrorKind::Usage, _("daemon takes no arguments"));
    // Before any thread exists: every thread inherits the blocked stop signals.
    platform::StopSignals stopSignals;

    std::atomic<app::App*> running{nullptr};
    app::Adapters adapters;
    adapters.program = "daemon";
    adapters.notifier =
        platform::makeDesktopNotifier([&running](const json& notification, const json& choice) {
            auto* a = running.load();
            if (!a) return;
            auto outcome = a->onNotificationChoice(notification, choice);
            if (outcome.openRenewal) openRenewalWindow(outcome.token, outcome.cert);
        });
    if (!adapters.notifier) adapters.notifier = std::make_shared<ConsoleNotifier>();
    // A daemon started from a terminal can ask for the PIN there; under systemd nothing asks.
    if (platform::inputIsTerminal()) adapters.pin = pinCallback(std::nullopt);
    adapters.deviceSources = [](const device::UsbIdFilter& filter) {
        return platform::makeDeviceSources(filter);
    };
    adapters.usbDevices = [](const device::UsbIdFilter& filter) {
        return platform::presentUsbDevices(filter);
    };

    AgentOptions options;
    options.config = ctx.loadOptions();
    options.state_dir = ctx.state_dir;
    app::App app(std::move(options), std::move(adapters));
    running = &app;
    // Pages and files plugins open for the person (the payment page): xdg-open.
    {
        auto prompts = app.agent().services().prompts();
        prompts.open = desktopOpener(app.agent(), std::nullopt);
        app.agent().services().setPrompts(std::move(prompts));
    }
    // The daemon logs what the config asks for (the CLI's default is warnings only).
    try {
        auto configured = log::parseLevel(app.agent().config().getString("log.level"));
        if (configured < log::level()) log::setLevel(configured);
    } catch (const Error&) {
    }
    log::info("daemon", "starting (state dir {})", app.agent().stateDir().string());
    for (const auto& area : app.start())
        if (!area.started)
            log::error(
                "daemon", "{}",
                fmt::format(fmt::runtime(_("{0} did not start: {1}")), area.name, area.detail));
    // The user unit is Type=notify: systemd counts the agent as started from here on.
    platform::notifyServiceManager("READY=1\nSTATUS=" + std::string(_("running")));

    const int sig = stopSignals.wait();
    log::info("daemon", "signal {}: stopping", sig);
    platform::notifyServiceManager("STOPPING=1");
    running = nullptr;
    app.stop();
    return kOk;
}

}  // namespace
}  // namespace certagent::cli

CERTAGENT_CLI_COMMAND(daemon, "daemon",
                      N_("run the headless agent: device monitor, reminders, renewals, "
                         "timestamps, local server"),
                      N_("daemon"), certagent::cli::runDaemon)
