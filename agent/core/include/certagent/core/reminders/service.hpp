#pragma once
// The reminders area wired to an Agent: reads tokens, feeds the engine, sleeps on the agent's
// Scheduler until the next due time, and delivers each reminder as a ReminderDue event, a
// notification (Notifier: desktop in the GUI, log + stderr in the daemon) and, when
// configured, [reminders] command. Registers the host methods plugins call:
//   reminders.list {token?}                 → {reminders: [status...]}
//   reminders.snooze {token, cert, days}    days: 1 or 3
//   reminders.dismiss {token, cert}
//   reminders.acknowledge {token, cert}
//   reminders.renew {token, cert}           acknowledges, then publishes UserAction renew
// and listens to TokenInserted, TokenRemoved, CertificatesChanged, RenewalProgress (done) and
// UserAction (snooze, dismiss, acknowledge, renew).
#include <chrono>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "certagent/core/reminders/engine.hpp"

namespace certagent {
class Agent;
}

namespace certagent::reminders {

class CommandRunner;

// Where the service reads tokens from. The default wraps the token service; tests pass fakes.
class TokenReader {
public:
    virtual ~TokenReader() = default;
    // Every connected token with its certificates.
    virtual std::vector<TokenSnapshot> readAll() = 0;
    // One token; nullopt when it is not connected.
    virtual std::optional<TokenSnapshot> read(const std::string& serial) = 0;
};

// Over makeTokenService(agent) (PKCS#11 modules from plugins and config).
std::unique_ptr<TokenReader> makeTokenReader(Agent& agent);

struct ServiceOptions {
    std::unique_ptr<TokenReader> reader;  // default: makeTokenReader(agent)
    std::chrono::milliseconds commandTimeout{30000};
};

class ReminderService : public std::enable_shared_from_this<ReminderService> {
public:
    // Use start(); the constructor does not subscribe or schedule anything.
    ReminderService(Agent& agent, ServiceOptions options);
    ~ReminderService();
    ReminderService(const ReminderService&) = delete;
    ReminderService& operator=(const ReminderService&) = delete;

    ReminderEngine& engine() { return *engine_; }

    // Scans every token, reminds about what is due, subscribes and schedules.
    void begin();
    // Reads all tokens again, fires what is due, re-plans (timer callback; also for callers
    // that know something changed).
    void refresh();
    // After a time-zone change: thresholds move to the new local midnights.
    void timeZoneChanged();
    // Waits for queued commands (tests).
    void drainCommands();
    // Unsubscribes, cancels the timer (waiting for a running check) and stops the command
    // runner. Idempotent; start() arranges for the agent to call it before its services go,
    // since a running timer callback may hold the last reference past the agent's lifetime.
    void shutdown();

private:
    void deliver(const std::vector<Reminder>& reminders);
    void replan();
    void onEvent(const nlohmann::json& event);
    void registerMethods();

    Agent& agent_;
    std::unique_ptr<TokenReader> reader_;
    std::unique_ptr<ReminderEngine> engine_;
    std::unique_ptr<CommandRunner> runner_;
    std::mutex plan_mutex_;
    uint64_t timer_ = 0;
    std::vector<uint64_t> subscriptions_;
    bool stopping_ = false;
};

// Starts the reminders area on an agent (daemon, GUI): no-op when [reminders] enabled = false
// or no state store is open. The service lives as long as the agent (Agent::keepAlive).
std::shared_ptr<ReminderService> start(Agent& agent, ServiceOptions options = {});

}  // namespace certagent::reminders
