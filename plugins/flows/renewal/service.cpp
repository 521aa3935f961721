#include "service.hpp"

#include <certagent/sdk/plugin.hpp>

#include "failure.hpp"
#include "text.hpp"

namespace certagent::renewal {
namespace {
using json = nlohmann::json;
using namespace std::chrono_literals;

std::string text(const json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
}  // namespace

RenewalService::RenewalService(sdk::Host& host, std::function<Engine&()> engine)
    : host_(host), engine_(std::move(engine)) {}

RenewalService::~RenewalService() {
    {
        std::lock_guard l(m_);
        stop_ = true;
    }
    cv_.notify_all();
}

bool RenewalService::running() const {
    std::lock_guard l(m_);
    return started_ && !stop_;
}

void RenewalService::start() {
    {
        std::lock_guard l(m_);
        if (started_) return;
        started_ = true;
        work_.emplace_back([this] { announceInterrupted(); });
    }
    try {
        host_.jobs().start([this](uint64_t job) { loop(job); });
    } catch (const std::exception& e) {
        host_.error(std::string("the renewal worker did not start: ") + e.what());
        std::lock_guard l(m_);
        started_ = false;
    }
}

void RenewalService::post(std::function<void()> work) {
    {
        std::lock_guard l(m_);
        work_.push_back(std::move(work));
    }
    cv_.notify_one();
}

void RenewalService::advance(const std::string& id) {
    post([this, id] { resumeAt(engine_().advance(id)); });
}

void RenewalService::loop(uint64_t job) {
    for (;;) {
        std::function<void()> work;
        {
            std::unique_lock l(m_);
            // The host asks a job to stop when the plugin unloads; it is polled, so wake up now
            // and then.
            cv_.wait_for(l, 250ms, [&] { return stop_ || !work_.empty(); });
            if (stop_ || host_.jobs().stopRequested(job)) return;
            if (work_.empty()) continue;
            work = std::move(work_.front());
            work_.pop_front();
        }
        try {
            work();
        } catch (const Failure& e) {
            host_.warn(e.describe());
        } catch (const std::exception& e) {
            host_.warn(e.what());
        }
    }
}

void RenewalService::announceInterrupted() {
    auto& engine = engine_();
    for (const auto& r : engine.list(true)) {
        const auto where = engine.whereTitle(r);
        auto event = engine.progressEvent(r);
        event["interrupted"] = true;
        event["next"] = nextStepText(r, where);
        host_.events().publish(event);
        auto notice = interruptedNotice(r, where);
        try {
            host_.notify({{"title", notice.title},
                          {"body", notice.body},
                          {"urgency", "normal"},
                          {"renewal_id", r.id},
                          {"token", r.token},
                          {"cert", r.certId},
                          {"actions", json::array({{{"id", "renewal.resume"},
                                                    {"label", _("Continue the renewal")},
                                                    {"action", "renewal.resume"}},
                                                   {{"id", "renewal.later"},
                                                    {"label", _("Later")},
                                                    {"action", "renewal.later"}}})}});
        } catch (const std::exception& e) {
            host_.warn(std::string("the interrupted renewal could not be shown: ") + e.what());
        }
    }
}

void RenewalService::resumeAt(const RenewalRecord& r) {
    if (r.state != State::Waiting && r.state != State::Running) return;
    int64_t due = host_.nowMs();
    if (!r.nextAttempt.empty()) due = parseIsoUtc(r.nextAttempt);
    auto id = r.id;
    host_.timers().scheduleAt(due, [this, id] { advance(id); });
}

void RenewalService::onAction(const json& e) {
    // A choice on another plugin's notification is not ours, whatever its name.
    if (auto p = text(e, "plugin"); !p.empty() && p != host_.pluginName()) return;
    const auto action = text(e, "action");
    if (action != "renew" && action.rfind("renewal.", 0) != 0) return;
    auto id = text(e, "renewal_id");
    const auto token = text(e, "token"), cert = text(e, "cert");
    const auto args = e.value("args", json::object());
    post([this, action, id, token, cert, args]() mutable {
        auto& engine = engine_();
        if (action == "renew") {
            StartRequest s{token, cert, args.value("years", engine.settings().defaultYears),
                           args.value("id_document", std::string())};
            resumeAt(engine.advance(engine.start(s).id));
            return;
        }
        if (id.empty())
            if (auto r = engine.findOpen(token, cert)) id = r->id;
        if (id.empty()) return;
        if (action == "renewal.sign_declaration") {
            engine.answer(id, Prompt::SignDeclaration, Answer::Yes);
        } else if (action == "renewal.open_payment") {
            engine.answer(id, Prompt::OpenPaymentPage, Answer::Yes);
        } else if (action == "renewal.cancel") {
            engine.cancel(id);
            return;
        } else if (action != "renewal.retry" && action != "renewal.check" &&
                   action != "renewal.resume") {
            return;
        }
        resumeAt(engine.advance(id));
    });
}

}  // namespace certagent::renewal
