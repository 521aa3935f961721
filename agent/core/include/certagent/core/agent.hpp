#pragma once
// The agent's services wired together: config, clock, event bus, scheduler, state store,
// notifier, host services and the plugin host. The CLI, the daemon and the GUI each build one;
// areas (tokens, reminders, renewal, ...) attach to it through registerArea().
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>

#include "certagent/core/clock.hpp"
#include "certagent/core/config.hpp"
#include "certagent/core/event_bus.hpp"
#include "certagent/core/host_services.hpp"
#include "certagent/core/plugin_host.hpp"
#include "certagent/core/scheduler.hpp"
#include "certagent/core/state_store.hpp"

namespace certagent {

struct AgentOptions {
    config::LoadOptions config;
    std::optional<std::filesystem::path> state_dir;  // --state-dir
    std::shared_ptr<Clock> clock;                    // default: SystemClock
    std::shared_ptr<Notifier> notifier;              // default: ConsoleNotifier
    bool open_state = true;    // open (and migrate) the state database
    bool log_to_file = true;   // rotating log in the state dir
    bool load_plugins = true;
    // Runs after the core services exist and before the plugins load: where the program
    // registers the host extensions of the areas (app::installExtensions).
    std::function<void(class Agent&)> before_plugins;
};

class Agent {
public:
    // Loads the config (throws certagent::Error(Config) on errors), opens the state store,
    // loads plugins.
    explicit Agent(AgentOptions options);
    ~Agent();
    Agent(const Agent&) = delete;
    Agent& operator=(const Agent&) = delete;

    const config::Config& config() const { return config_; }
    const std::filesystem::path& stateDir() const { return state_dir_; }
    Clock& clock() { return *clock_; }
    EventBus& bus() { return bus_; }
    Scheduler& scheduler() { return *scheduler_; }
    state::StateStore& store();  // throws if the store is not open
    bool hasStore() const { return store_ != nullptr; }
    Notifier& notifier() { return *notifier_; }
    HostServices& services() { return *services_; }
    PluginHost& plugins() { return *plugins_; }

    // Areas keep their service objects alive here, destroyed before the core services.
    void keepAlive(std::shared_ptr<void> object) { kept_.push_back(std::move(object)); }

private:
    config::Config config_;
    std::filesystem::path state_dir_;
    std::shared_ptr<Clock> clock_;
    std::shared_ptr<Notifier> notifier_;
    EventBus bus_;
    std::unique_ptr<Scheduler> scheduler_;
    std::unique_ptr<state::StateStore> store_;
    std::unique_ptr<HostServices> services_;
    std::vector<std::shared_ptr<void>> kept_;
    std::unique_ptr<PluginHost> plugins_;  // last: plugins go first
};

}  // namespace certagent
