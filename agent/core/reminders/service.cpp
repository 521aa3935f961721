#include "certagent/core/reminders/service.hpp"

#include <fmt/format.h>
#include <map>
#include <openssl/evp.h>

#include "certagent/core/agent.hpp"
#include "certagent/core/error.hpp"
#include "certagent/core/events.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"
#include "certagent/core/reminders/calendar.hpp"
#include "certagent/core/reminders/command_runner.hpp"
#include "certagent/core/reminders/text.hpp"
#include "certagent/core/token/agent_tokens.hpp"

namespace certagent::reminders {
namespace {

using i18n::trn;

using json = nlohmann::json;

std::string sha256Hex(const token::Bytes& der) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(der.data(), der.size(), md, &len, EVP_sha256(), nullptr) != 1)
        throw Error(ErrorKind::Internal, "SHA-256 failed");
    return token::toHex(token::Bytes(md, md + len));
}

ObservedCertificate observed(const token::TokenCertificate& c) {
    const auto& i = *c.info;
    ObservedCertificate o;
    o.idHex = token::toHex(c.id);
    o.label = c.label;
    o.fingerprint = sha256Hex(i.der);
    o.subject = i.subject;
    o.commonName = i.commonName;
    o.issuer = i.issuer;
    o.serialHex = i.serialHex;
    o.notBefore = i.notBefore;
    o.notAfter = i.notAfter;
    o.qualified = i.qualified;
    o.hasPrivateKey = c.hasPrivateKey;
    return o;
}

class ServiceTokenReader final : public TokenReader {
public:
    explicit ServiceTokenReader(Agent& agent) : agent_(agent) {}

    std::vector<TokenSnapshot> readAll() override {
        auto service = token::makeTokenService(agent_);
        auto& s = *service;
        std::map<std::string, TokenSnapshot> byToken;
        for (const auto& t : s.tokens()) byToken[t.serial] = {t.serial, t.label, {}};
        for (const auto& c : s.certificates()) add(byToken, c);
        std::vector<TokenSnapshot> out;
        for (auto& [_, snap] : byToken) out.push_back(std::move(snap));
        return out;
    }

    std::optional<TokenSnapshot> read(const std::string& serial) override {
        auto service = token::makeTokenService(agent_);
        auto& s = *service;
        std::map<std::string, TokenSnapshot> byToken;
        for (const auto& t : s.tokens())
            if (t.serial == serial) byToken[t.serial] = {t.serial, t.label, {}};
        if (byToken.empty()) return std::nullopt;
        for (const auto& c : s.certificates(serial)) add(byToken, c);
        return byToken.begin()->second;
    }

private:
    static void add(std::map<std::string, TokenSnapshot>& byToken,
                    const token::TokenCertificate& c) {
        // A malformed object has no expiry to remind about; `certs` reports it.
        if (!c.info) return;
        auto& snap = byToken[c.tokenSerial];
        snap.serial = c.tokenSerial;
        if (snap.label.empty()) snap.label = c.tokenLabel;
        snap.certificates.push_back(observed(c));
    }
    // A fresh service per read: the modules are loaded for the read and unloaded after it
    // (unless another part of the agent holds them), so a resident agent does not keep
    // OpenSC and the vendors' libraries mapped between reminders, and a module that only
    // notices new tokens at C_Initialize (SoftHSM2) sees them.
    Agent& agent_;
};

CertRef refFrom(const json& a) {
    CertRef ref;
    ref.token = a.value("token", "");
    ref.certId = a.value("cert", "");
    ref.fingerprint = a.value("fingerprint", "");
    if (ref.fingerprint.empty() && (ref.token.empty() || ref.certId.empty()))
        throw Error(ErrorKind::InvalidInput,
                    _("a reminder action needs the token serial and the certificate id"));
    return ref;
}

std::string menuLabel(const ReminderStatus& s) {
    const auto& c = s.record.cert;
    const auto& name = c.commonName.empty() ? c.subject : c.commonName;
    if (s.threshold && *s.threshold == kExpired)
        return fmt::format(fmt::runtime(_("Renew {0} (expired)")), name);
    const auto n = static_cast<unsigned long>(std::max(0L, s.daysLeft));
    return fmt::format(fmt::runtime(trn("Renew {0} (expires in {1} day)",
                                        "Renew {0} (expires in {1} days)", n)),
                       name, n);
}

}  // namespace

std::unique_ptr<TokenReader> makeTokenReader(Agent& agent) {
    return std::make_unique<ServiceTokenReader>(agent);
}

ReminderService::ReminderService(Agent& agent, ServiceOptions options)
    : agent_(agent), reader_(std::move(options.reader)) {
    if (!reader_) reader_ = makeTokenReader(agent);
    const auto& config = agent.config();
    engine_ = std::make_unique<ReminderEngine>(
        agent.store(), agent.clock(),
        normalizeThresholds(config.getInts("reminders.days_before")));
    auto argv = config.getStrings("reminders.command");
    if (!argv.empty()) runner_ = std::make_unique<CommandRunner>(argv, options.commandTimeout);
}

ReminderService::~ReminderService() { shutdown(); }

void ReminderService::shutdown() {
    uint64_t timer;
    std::vector<uint64_t> subscriptions;
    {
        std::lock_guard lock(plan_mutex_);
        if (stopping_) return;
        stopping_ = true;
        timer = timer_;
        timer_ = 0;
        subscriptions.swap(subscriptions_);
    }
    // Both wait for a running handler or timer callback (unless called from it), which may
    // still replan: stopping_ keeps it from scheduling again.
    for (auto id : subscriptions) agent_.bus().unsubscribe(id);
    if (timer) agent_.scheduler().cancel(timer);
    runner_.reset();
}

void ReminderService::begin() {
    registerMethods();
    std::weak_ptr<ReminderService> weak = weak_from_this();
    subscriptions_.push_back(agent_.bus().subscribe(
        fmt::format("{},{},{},{},{}", events::kTokenInserted, events::kTokenRemoved,
                    events::kCertificatesChanged, events::kRenewalProgress, events::kUserAction),
        [weak](const json& e) {
            if (auto self = weak.lock()) self->onEvent(e);
        }));
    refresh();
}

void ReminderService::refresh() {
    std::vector<Reminder> fired;
    try {
        fired = engine_->observeAll(reader_->readAll());
    } catch (const std::exception& e) {
        // Tokens unreadable now: remind from what was remembered.
        log::warn("reminders", "could not read the tokens: {}", e.what());
        fired = engine_->evaluate();
    }
    deliver(fired);
    replan();
}

void ReminderService::timeZoneChanged() {
    reloadTimeZone();
    log::info("reminders", "time zone changed: re-planning reminders");
    deliver(engine_->evaluate());
    replan();
}

void ReminderService::drainCommands() {
    if (runner_) runner_->drain();
}

void ReminderService::deliver(const std::vector<Reminder>& reminders) {
    for (const auto& r : reminders) {
        auto event = reminderEvent(r);
        agent_.bus().publish(event);
        json n = {{"title", event["title"]},
                  {"body", event["body"]},
                  {"urgency", r.severity == Severity::Critical ? "critical" : "normal"},
                  {"actions", event["actions"]},
                  {"plugin", "expiry-reminders"},
                  {"token", r.record.tokenSerial},
                  {"cert", r.record.cert.idHex},
                  {"fingerprint", r.record.cert.fingerprint},
                  {"severity", event["severity"]}};
        try {
            if (!agent_.notifier().notify(n))
                log::warn("reminders", "the reminder could not be shown: {}",
                          event["title"].get<std::string>());
        } catch (const std::exception& e) {
            log::error("reminders", "notifier failed: {}", e.what());
        }
        if (runner_) runner_->enqueue(reminderEnvironment(r));
    }
}

void ReminderService::replan() {
    // No lock is held across cancel(): it waits for a running timer callback, which replans.
    uint64_t old;
    {
        std::lock_guard lock(plan_mutex_);
        if (stopping_) return;
        old = timer_;
        timer_ = 0;
    }
    if (old) agent_.scheduler().cancel(old);
    auto due = engine_->nextDue();
    if (!due) {
        log::debug("reminders", "nothing left to remind about");
        return;
    }
    std::weak_ptr<ReminderService> weak = weak_from_this();
    std::lock_guard lock(plan_mutex_);
    if (stopping_) return;
    timer_ = agent_.scheduler().scheduleAt(*due, [weak] {
        if (auto self = weak.lock()) self->refresh();
    });
    log::debug("reminders", "next reminder check at {}", toIso8601(*due));
}

void ReminderService::onEvent(const json& e) {
    try {
        const auto type = e.value("type", "");
        if (type == events::kTokenInserted || type == events::kCertificatesChanged) {
            const auto serial = e.value("serial", "");
            auto snap = reader_->read(serial);
            if (!snap) return;  // pulled out again already
            deliver(engine_->observeToken(*snap, type == events::kTokenInserted));
        } else if (type == events::kTokenRemoved) {
            engine_->tokenRemoved(e.value("serial", ""));
            return;
        } else if (type == events::kRenewalProgress) {
            if (e.value("state", "") != "done") return;
            engine_->renewalCompleted(e.value("token", ""), e.value("cert", ""));
            if (auto snap = reader_->read(e.value("token", "")))
                deliver(engine_->observeToken(*snap, false));
        } else if (type == events::kUserAction) {
            const auto action = e.value("action", "");
            const json args = e.value("args", json::object());
            if (action == "snooze") {
                engine_->snooze(refFrom(e), args.value("days", 1));
            } else if (action == "dismiss") {
                engine_->dismiss(refFrom(e));
            } else if (action == "acknowledge" || action == "renew") {
                engine_->acknowledge(refFrom(e));
            } else {
                return;
            }
        } else {
            return;
        }
    } catch (const Error& err) {
        log::warn("reminders", "{}: {}", e.value("type", "event"), describe(err));
    } catch (const std::exception& err) {
        log::warn("reminders", "{}: {}", e.value("type", "event"), err.what());
    }
    replan();
}

void ReminderService::registerMethods() {
    std::weak_ptr<ReminderService> weak = weak_from_this();
    auto self = [weak] {
        auto s = weak.lock();
        if (!s) throw Error(ErrorKind::State, _("the reminders service has stopped"));
        return s;
    };
    auto& services = agent_.services();
    services.registerMethod("reminders.list", [self](const std::string&, const json& a) -> json {
        auto s = self();
        const auto now = s->agent_.clock().now();
        std::optional<std::string> token;
        if (a.contains("token")) token = a.at("token").get<std::string>();
        json list = json::array();
        for (const auto& st : s->engine_->list(now, token)) {
            auto j = statusJson(st, now);
            j["menu_label"] = menuLabel(st);
            list.push_back(std::move(j));
        }
        return {{"reminders", list}, {"actions", reminderActions()}};
    });
    services.registerMethod("reminders.snooze", [self](const std::string&, const json& a) -> json {
        auto s = self();
        s->engine_->snooze(refFrom(a), a.value("days", 1));
        s->replan();
        return json::object();
    });
    services.registerMethod("reminders.dismiss", [self](const std::string&, const json& a) -> json {
        auto s = self();
        s->engine_->dismiss(refFrom(a));
        s->replan();
        return json::object();
    });
    services.registerMethod("reminders.acknowledge",
                            [self](const std::string&, const json& a) -> json {
                                self()->engine_->acknowledge(refFrom(a));
                                return json::object();
                            });
    services.registerMethod("reminders.renew", [self](const std::string&, const json& a) -> json {
        auto s = self();
        auto ref = refFrom(a);
        auto record = s->engine_->find(ref);
        s->engine_->acknowledge(ref);
        // The renewal flow starts from this event (docs/reminders.md).
        s->agent_.bus().publish({{"type", events::kUserAction},
                                 {"action", "renew"},
                                 {"token", record.tokenSerial},
                                 {"cert", record.cert.idHex},
                                 {"source", "reminders"}});
        return {{"token", record.tokenSerial}, {"cert", record.cert.idHex}};
    });
}

std::shared_ptr<ReminderService> start(Agent& agent, ServiceOptions options) {
    if (!agent.config().getBool("reminders.enabled")) {
        log::info("reminders", "reminders are turned off ([reminders] enabled = false)");
        return nullptr;
    }
    if (!agent.hasStore()) {
        log::warn("reminders", "no state store: reminders are off");
        return nullptr;
    }
    auto service = std::make_shared<ReminderService>(agent, std::move(options));
    service->begin();
    // Shut down while the agent's bus and scheduler still exist, whoever drops the last
    // reference afterwards.
    struct Stopper {
        std::shared_ptr<ReminderService> service;
        ~Stopper() {
            if (service) service->shutdown();
        }
    };
    auto stopper = std::make_shared<Stopper>();
    stopper->service = service;
    agent.keepAlive(stopper);
    return service;
}


}  // namespace certagent::reminders
