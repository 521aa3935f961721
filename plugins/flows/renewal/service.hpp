#pragma once
// The renewal in the long-running programs (the tray, the daemon): nothing starts before the
// AgentStarted event, so a one-shot CLI command that loads the plugin runs no background work.
// Then one worker (a host job) runs the engine; events and timers only queue work for it:
//   - renewals left open by a previous run are announced (a RenewalProgress with
//     "interrupted": true and "next", and a notification "Continue the renewal") before
//     anything asks for a PIN; they continue when the person says so;
//   - UserAction events: "renew" {args: years, id_document}, "renewal.sign_declaration",
//     "renewal.open_payment", "renewal.retry", "renewal.check", "renewal.resume",
//     "renewal.cancel" (by renewal_id, or the open renewal of token + cert);
//   - a waiting renewal is advanced again when its next attempt is due (a host timer).
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "engine.hpp"

namespace certagent::sdk {
class Host;
}

namespace certagent::renewal {

class RenewalService {
  public:
    RenewalService(sdk::Host& host, std::function<Engine&()> engine);
    ~RenewalService();
    RenewalService(const RenewalService&) = delete;
    RenewalService& operator=(const RenewalService&) = delete;

    // [event thread] Starts the worker once and queues the announcement of open renewals.
    void start();
    bool running() const;
    // [event thread] A UserAction for the renewal.
    void onAction(const nlohmann::json& event);
    // Queues an advance() of that renewal on the worker.
    void advance(const std::string& id);
    // Queues work on the worker.
    void post(std::function<void()> work);

  private:
    void loop(uint64_t job);
    void announceInterrupted();
    void resumeAt(const RenewalRecord& r);

    sdk::Host& host_;
    std::function<Engine&()> engine_;
    mutable std::mutex m_;
    std::condition_variable cv_;
    std::deque<std::function<void()>> work_;
    bool started_ = false, stop_ = false;
};

}  // namespace certagent::renewal
