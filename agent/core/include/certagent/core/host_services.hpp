#pragma once
// What plugins get: the agent's services behind the SDK's C tables (abi.h). Each plugin has
// its own ca_host (a PluginContext: identity assigned here, not chosen by the plugin), and
// reaches everything else through versioned extensions (get_extension). This file implements
// the extensions that need only the agent's base (events, timers, jobs, state, config, text,
// ui, providers); areas register theirs (tokens, documents, http) with registerExtension().
// Everything a plugin started — subscriptions, timers, jobs, and what areas keep for it
// (token sessions) — is released by releasePlugin() before the plugin is destroyed.
#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <certagent/sdk/abi.h>

#include "certagent/core/clock.hpp"
#include "certagent/core/config.hpp"
#include "certagent/core/event_bus.hpp"
#include "certagent/core/scheduler.hpp"

namespace certagent {

namespace state {
class StateStore;
}

using json = nlohmann::json;

// Where notifications go: the desktop (tray, daemon in a session), or the console and log.
class Notifier {
public:
    virtual ~Notifier() = default;
    // notification: {"title", "body", "urgency": "low|normal|critical", "actions": [{"id",
    // "label", "action", "args"?}], "plugin", "token"?, "cert"?, ...}. false: not shown.
    virtual bool notify(const json& notification) = 0;
};

// Writes notifications to the log and stderr (the headless daemon).
class ConsoleNotifier final : public Notifier {
public:
    bool notify(const json& notification) override;
};

// The program's way of asking the person (app::Adapters): nullopt = cancelled. Each takes the
// request JSON of ca_ui_v1 and answers its result JSON. Unset: the program cannot ask.
struct Prompts {
    std::function<std::optional<json>(const json&)> confirm;
    std::function<std::optional<json>(const json&)> choose;
    std::function<std::optional<json>(const json&)> chooseFile;
    // {"target": URL or file} -> {"opened": bool}: the desktop's default program.
    std::function<std::optional<json>(const json&)> open;
};

class HostServices;

// One plugin's handle (ca_host::ctx) and what it holds.
struct PluginContext {
    HostServices* services = nullptr;
    std::string name;
    ca_host host{};
    std::atomic<bool> stopping{false};
    std::mutex mutex;
    std::set<uint64_t> subscriptions;
    std::set<uint64_t> timers;
    struct Job {
        std::thread thread;
        std::atomic<bool> done{false};
    };
    std::map<uint64_t, std::unique_ptr<Job>> jobs;
};
PluginContext& pluginContext(void* ctx);  // ca_host::ctx back to its context

class HostServices {
public:
    using Timestamper = std::function<std::vector<uint8_t>(std::span<const uint8_t> data)>;

    HostServices(Clock& clock, EventBus& bus, Scheduler& scheduler, const config::Config& config,
                 Notifier& notifier, state::StateStore* store, std::filesystem::path stateDir);
    ~HostServices();
    HostServices(const HostServices&) = delete;
    HostServices& operator=(const HostServices&) = delete;

    // A new plugin's handle; its ca_host is ready to hand to the plugin's create().
    std::unique_ptr<PluginContext> newPluginContext(const std::string& plugin);
    // Unsubscribes, cancels the timers, asks the jobs to stop and waits for them, then runs
    // every release hook (areas drop what they keep for the plugin). Idempotent.
    void releasePlugin(PluginContext& plugin);
    void addReleaseHook(std::function<void(const std::string& plugin)> hook);

    // Extensions of areas: `table` (a static ca_..._v1) and the area's data for it.
    void registerExtension(const std::string& id, const void* table, void* data);
    const void* extension(const std::string& id) const;
    void* extensionData(const std::string& id) const;

    void setPrompts(Prompts prompts);
    Prompts prompts() const;

    // The timestamp provider a plugin registered (CA_EXT_PROVIDERS), or empty.
    Timestamper timestamper() const;
    void setTimestamper(const std::string& plugin, Timestamper fn);  // first wins; "" clears

    Clock& clock() { return clock_; }
    EventBus& bus() { return bus_; }
    Scheduler& scheduler() { return scheduler_; }
    const config::Config& config() const { return config_; }
    Notifier& notifier() { return notifier_; }
    state::StateStore* store() { return store_; }
    const std::filesystem::path& stateDir() const { return state_dir_; }

private:
    Clock& clock_;
    EventBus& bus_;
    Scheduler& scheduler_;
    const config::Config& config_;
    Notifier& notifier_;
    state::StateStore* store_;
    std::filesystem::path state_dir_;
    mutable std::mutex mutex_;
    std::map<std::string, std::pair<const void*, void*>> extensions_;
    std::vector<std::function<void(const std::string&)>> release_hooks_;
    Prompts prompts_;
    std::string timestamper_owner_;
    Timestamper timestamper_;
};

}  // namespace certagent
