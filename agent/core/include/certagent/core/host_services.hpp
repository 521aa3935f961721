#pragma once
// What plugins get: the agent's services behind the SDK's C table (ca_host_v1). Structured
// calls go through named methods ("state.get", "tokens.list", "notify", ...) that each area
// registers; docs/plugin-sdk.md lists them.
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

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

// Where reminders and renewal events go: the tray (GUI), or the console and log (daemon).
class Notifier {
public:
    virtual ~Notifier() = default;
    // notification: {"title", "body", "urgency": "low|normal|critical", "actions": [{"id",
    // "label"}], "plugin", ...context}. Returns false if it could not be shown.
    virtual bool notify(const json& notification) = 0;
};

// Writes notifications to the log and stderr (the headless daemon).
class ConsoleNotifier final : public Notifier {
public:
    bool notify(const json& notification) override;
};

class HostServices {
public:
    using Method = std::function<json(const std::string& plugin, const json& args)>;

    HostServices(Clock& clock, EventBus& bus, Scheduler& scheduler, const config::Config& config,
                 Notifier& notifier, state::StateStore* store);
    ~HostServices();
    HostServices(const HostServices&) = delete;
    HostServices& operator=(const HostServices&) = delete;

    void registerMethod(const std::string& name, Method method);
    bool hasMethod(const std::string& name) const;
    // Throws certagent::Error (NotFound as Usage) or whatever the method throws.
    json call(const std::string& plugin, const std::string& method, const json& args);

    const ca_host_v1* abi() const { return &abi_; }

    Clock& clock() { return clock_; }
    EventBus& bus() { return bus_; }
    Scheduler& scheduler() { return scheduler_; }
    const config::Config& config() const { return config_; }
    Notifier& notifier() { return notifier_; }
    state::StateStore* store() { return store_; }

private:
    void registerCoreMethods();

    Clock& clock_;
    EventBus& bus_;
    Scheduler& scheduler_;
    const config::Config& config_;
    Notifier& notifier_;
    state::StateStore* store_;
    mutable std::mutex mutex_;
    std::map<std::string, Method> methods_;
    ca_host_v1 abi_{};
};

}  // namespace certagent
