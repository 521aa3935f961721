#include "certagent/core/renewal/agent_renewal.hpp"

#include <condition_variable>
#include <deque>
#include <thread>

#include "certagent/core/agent.hpp"
#include "certagent/core/error.hpp"
#include "certagent/core/events.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"
#include "certagent/core/token/agent_tokens.hpp"

namespace certagent::renewal {

EngineSettings settingsFrom(Agent& agent) {
    const auto& c = agent.config();
    EngineSettings s;
    s.backend = c.getString("renewal.backend");
    s.portalUrl = c.getString("renewal.portal_url");
    s.caBundle = c.getString("renewal.ca_bundle");
    s.workDir = agent.stateDir() / "renewals";
    return s;
}

std::unique_ptr<Engine> makeEngine(Agent& agent, token::TokenService& tokens,
                                   token::PinCallback pin, std::shared_ptr<Prompter> prompter,
                                   bool keepSession) {
    EngineDeps d;
    d.store = &agent.store();
    d.clock = &agent.clock();
    d.bus = &agent.bus();
    d.notifier = &agent.notifier();
    d.tokens = &tokens;
    d.pin = std::move(pin);
    if (prompter) d.prompter = std::move(prompter);
    d.settings = settingsFrom(agent);
    d.keepSession = keepSession;
    // The profile of the plugin that claims the token says which keys it can generate.
    d.tokenKeyTypes = [profiles = token::tokenProfiles(agent)](const token::TokenInfo& t) {
        for (const auto& p : profiles)
            if (p.name == t.plugin) return p.keyTypes;
        return std::vector<token::KeyType>{};
    };
    return std::make_unique<Engine>(std::move(d));
}

namespace {

// Runs the engine on its own thread; the bus and host methods only queue work.
class RenewalService {
public:
    RenewalService(Agent& agent, token::PinCallback pin)
        : agent_(agent), tokens_(token::makeTokenService(agent)),
          engine_(makeEngine(agent, *tokens_, std::move(pin), nullptr, /*keepSession=*/true)) {
        worker_ = std::thread([this] { loop(); });
        sub_ = agent.bus().subscribe(events::kUserAction, [this](const json& e) { onAction(e); });
        registerMethods();
        // Renewals left open by a previous run are shown with where they stopped and what comes
        // next; they continue when the person says so (the next step may ask for the PIN).
        for (const auto& r : engine_->list(true)) announceInterrupted(r);
    }
    ~RenewalService() {
        agent_.bus().unsubscribe(sub_);
        {
            std::lock_guard l(m_);
            stop_ = true;
        }
        cv_.notify_all();
        if (worker_.joinable()) worker_.join();
    }
    Engine& engine() { return *engine_; }

private:
    void post(std::function<void()> job) {
        {
            std::lock_guard l(m_);
            jobs_.push_back(std::move(job));
        }
        cv_.notify_one();
    }
    void loop() {
        for (;;) {
            std::function<void()> job;
            {
                std::unique_lock l(m_);
                cv_.wait(l, [&] { return stop_ || !jobs_.empty(); });
                if (stop_) return;
                job = std::move(jobs_.front());
                jobs_.pop_front();
            }
            try {
                job();
            } catch (const std::exception& e) {
                log::warn("renewal", "{}", e.what());
            }
        }
    }
    void advance(const std::string& id) {
        post([this, id] { resumeAt(engine_->advance(id)); });
    }
    void announceInterrupted(const RenewalRecord& r) {
        auto event = Engine::progressEvent(r);
        event["interrupted"] = true;
        event["next"] = nextStepText(r);
        agent_.bus().publish(event);
        auto notice = interruptedNotice(r);
        try {
            agent_.notifier().notify(
                {{"title", notice.title},
                 {"body", notice.body},
                 {"urgency", "normal"},
                 {"plugin", "renewal"},
                 {"renewal_id", r.id},
                 {"token", r.token},
                 {"cert", r.certId},
                 {"actions",
                  json::array({{{"id", "renewal.resume"}, {"label", _("Continue the renewal")},
                                {"action", "renewal.resume"}},
                               {{"id", "renewal.later"}, {"label", _("Later")},
                                {"action", "renewal.later"}}})}});
        } catch (const std::exception& e) {
            log::warn("renewal", "the interrupted renewal could not be shown: {}", e.what());
        }
    }
    void resumeAt(const RenewalRecord& r) {
        if (r.state != State::Waiting && r.state != State::Running) return;
        TimePoint due = agent_.clock().now();
        if (!r.nextAttempt.empty()) due = parseIso8601(r.nextAttempt);
        auto id = r.id;
        agent_.scheduler().scheduleAt(due, [this, id] { advance(id); });
    }
    void onAction(const json& e) {
        auto action = e.value("action", std::string());
        auto id = e.value("renewal_id", std::string());
        auto args = e.value("args", json::object());
        if (action == "renew") {
            StartRequest s{e.value("token", std::string()), e.value("cert", std::string()),
                           static_cast<int>(args.value("years",
                                                       agent_.config().getInt("renewal.years"))),
                           args.value("id_document", std::string())};
            post([this, s] { advance(engine_->start(s).id); });
            return;
        }
        if (id.empty())
            if (auto r = engine_->findOpen(e.value("token", std::string()),
                                           e.value("cert", std::string())))
                id = r->id;
        if (id.empty()) return;
        if (action == "renewal.sign_declaration")
            engine_->answer(id, Prompt::SignDeclaration, Answer::Yes);
        else if (action == "renewal.open_payment")
            engine_->answer(id, Prompt::OpenPaymentPage, Answer::Yes);
        else if (action == "renewal.cancel") {
            post([this, id] { engine_->cancel(id); });
            return;
        } else if (action != "renewal.retry" && action != "renewal.check" &&
                   action != "renewal.resume")
            return;
        advance(id);
    }
    void registerMethods() {
        auto& s = agent_.services();
        s.registerMethod("renewal.list", [this](const std::string&, const json& a) {
            json out = json::array();
            for (const auto& r : engine_->list(a.value("open", false))) out.push_back(r.toJson());
            return out;
        });
        s.registerMethod("renewal.start", [this](const std::string&, const json& a) {
            StartRequest req{a.value("token", std::string()), a.value("cert", std::string()),
                             static_cast<int>(a.value("years", 1)),
                             a.value("id_document", std::string())};
            auto r = engine_->start(req);
            advance(r.id);
            return r.toJson();
        });
        s.registerMethod("renewal.advance", [this](const std::string&, const json& a) {
            advance(a.value("id", std::string()));
            return json{{"queued", true}};
        });
        s.registerMethod("renewal.answer", [this](const std::string&, const json& a) {
            auto p = parsePrompt(a.value("prompt", std::string())).value_or(Prompt::None);
            engine_->answer(a.value("id", std::string()), p,
                            a.value("answer", false) ? Answer::Yes : Answer::No);
            advance(a.value("id", std::string()));
            return json{{"ok", true}};
        });
        s.registerMethod("renewal.cancel", [this](const std::string&, const json& a) {
            auto id = a.value("id", std::string());
            post([this, id] { engine_->cancel(id); });
            return json{{"queued", true}};
        });
    }

    Agent& agent_;
    std::unique_ptr<token::TokenService> tokens_;
    std::unique_ptr<Engine> engine_;
    std::mutex m_;
    std::condition_variable cv_;
    std::deque<std::function<void()>> jobs_;
    bool stop_ = false;
    std::thread worker_;
    uint64_t sub_ = 0;
};

}  // namespace

Engine& attachRenewalService(Agent& agent, token::PinCallback pin) {
    auto service = std::make_shared<RenewalService>(agent, std::move(pin));
    agent.keepAlive(service);
    return service->engine();
}

}  // namespace certagent::renewal
