// expiry-reminders: reminds before the certificates on the person's tokens expire
// (docs/reminders.md). The rules live in the engine (engine.hpp) over the plugin's own SQLite
// database; this file wires them to the agent through the SDK's extensions:
//   - begins on AgentStarted (the tray or the daemon), never in its constructor, so a one-shot
//     CLI command that loads plugins starts nothing;
//   - reads certificates (certagent.tokens/1) on a host job, sleeps on one timer until the next
//     due time (certagent.timers/1), reacts to TokenInserted, TokenRemoved,
//     CertificatesChanged, RenewalProgress (done) and the person's answers (UserAction);
//   - delivers each reminder as a ReminderDue event, a notification with its actions
//     (certagent.ui/1) and, when configured, [reminders] command (certagent.process/1);
//   - offers tray menu items for due reminders and the "status" action behind
//     `certagent-cli reminders`.
#define CERTAGENT_SDK_GETTEXT
#include <certagent/sdk/plugin.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "engine.hpp"
#include "settings.hpp"
#include "text.hpp"
#include "token_snapshot.hpp"
#include "work_queue.hpp"

namespace expiry_reminders {
namespace {

using certagent::sdk::json;
using certagent::sdk::PluginError;

constexpr const char* kPluginName = "expiry-reminders";
constexpr const char* kDatabaseFile = "reminders.sqlite3";
constexpr int64_t kCommandTimeoutMs = 30'000;

std::string text(const json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A certificate named by an action or an answer: token serial + CKA_ID, or its fingerprint.
CertRef refFrom(const json& a) {
    CertRef ref{text(a, "token"), text(a, "cert"), text(a, "fingerprint")};
    if (ref.fingerprint.empty() && (ref.token.empty() || ref.certId.empty()))
        throw PluginError(CA_ERR_INVALID_ARGUMENT,
                          _("a reminder action needs the token serial and the certificate id"));
    return ref;
}

// {"days": n} of a snooze: 1 when absent; a value out of range stays out of range (refused).
int daysOf(const json& args) {
    if (!args.is_object()) return 1;
    auto d = args.find("days");
    if (d == args.end()) return 1;
    if (!d->is_number_integer()) return 0;
    return static_cast<int>(std::clamp<int64_t>(d->get<int64_t>(), 0, 31));
}

// Menu item ids are "<verb>|<token>|<cert id>" so one item names one certificate.
struct ItemId {
    std::string verb, token, cert;
    static std::optional<ItemId> parse(const std::string& id) {
        auto p1 = id.find('|');
        auto p2 = p1 == std::string::npos ? p1 : id.find('|', p1 + 1);
        if (p2 == std::string::npos) return std::nullopt;
        return ItemId{id.substr(0, p1), id.substr(p1 + 1, p2 - p1 - 1), id.substr(p2 + 1)};
    }
    std::string str() const { return verb + "|" + token + "|" + cert; }
};

}  // namespace

class ExpiryReminders final : public certagent::sdk::FlowPlugin {
  public:
    explicit ExpiryReminders(certagent::sdk::Host& host)
        : FlowPlugin(host), checks_(host, "reminder check"), commands_(host, "reminder command") {
        host.events().subscribe("AgentStarted", [this](const json&) { begin(); });
    }

    json menuItems(const json&) override {
        json items = json::array();
        auto* e = engineIfEnabled();
        if (!e) return items;
        const auto now = nowTime();
        const auto actions = reminderActions();
        for (const auto& s : e->list(now)) {
            if (s.state != ReminderState::Due && s.state != ReminderState::Snoozed) continue;
            const auto& token = s.record.tokenSerial;
            const auto& cert = s.record.cert.idHex;
            // The tray offers "Renew now" under each certificate already; the reminder adds its
            // answers right below it (items with token and cert sit under that certificate).
            for (const auto& a : actions) {
                const auto verb = a.value("action", "");
                if (verb == "renew") continue;
                std::string id = verb;
                if (verb == "snooze") id += std::to_string(a["args"].value("days", 1));
                items.push_back({{"id", ItemId{id, token, cert}.str()},
                                 {"label", a.value("label", "")},
                                 {"enabled", s.state == ReminderState::Due || verb == "dismiss"},
                                 {"section", "reminders"},
                                 {"token", token},
                                 {"cert", cert}});
            }
        }
        return items;
    }

    // "status" {now?: ISO 8601, token?}: reads the tokens (remembering what is on them) and
    // lists every remembered certificate; it fires nothing. The answers: "snooze" {token, cert,
    // days}, "dismiss", "acknowledge", "renew" {token, cert}, also as menu ids "verb|token|cert".
    json runAction(const std::string& id, const json& args) override {
        if (id == "status") return status(args);
        std::string verb = id;
        json ref = args.is_object() ? args : json::object();
        if (auto item = ItemId::parse(id)) {
            verb = item->verb;
            ref["token"] = item->token;
            ref["cert"] = item->cert;
        }
        auto& e = engine();
        if (verb == "renew") {
            auto record = e.find(refFrom(ref));
            e.acknowledge(refFrom(ref));
            // The renewal flow starts from this event (docs/reminders.md).
            host().events().publish({{"type", "UserAction"},
                                     {"action", "renew"},
                                     {"token", record.tokenSerial},
                                     {"cert", record.cert.idHex}});
            return {{"token", record.tokenSerial}, {"cert", record.cert.idHex}};
        }
        if (verb == "dismiss") {
            e.dismiss(refFrom(ref));
        } else if (verb == "acknowledge") {
            e.acknowledge(refFrom(ref));
        } else if (verb.rfind("snooze", 0) == 0) {
            int days = verb.size() > 6 ? std::atoi(verb.c_str() + 6) : daysOf(ref);
            e.snooze(refFrom(ref), days);
        } else {
            throw PluginError(CA_ERR_NOT_FOUND, "no such action: " + id);
        }
        if (active_) checks_.post([this] { replan(); });
        return json::object();
    }

  private:
    TimePoint nowTime() const { return fromEpochMs(host().nowMs()); }

    Settings settings() {
        auto& h = host();
        return parseSettings(h.config("reminders.enabled"), h.config("reminders.days_before"),
                             h.config("reminders.command"));
    }

    // The engine over the plugin's database, opened on first use. A failure (bad settings, a
    // damaged or newer database) is kept: every later use answers with the same message.
    ReminderEngine& engine() {
        std::lock_guard lock(open_mutex_);
        if (engine_) return *engine_;
        if (open_error_) throw PluginError(CA_ERR_FAILED, *open_error_);
        try {
            settings_ = settings();
            const std::filesystem::path folder = host().stateFolder();
            engine_ = std::make_unique<ReminderEngine>(
                folder / kDatabaseFile, [this] { return nowTime(); }, settings_.thresholds);
            takeOverLegacyRecords(folder);
        } catch (const std::exception& e) {
            open_error_ = e.what();
            host().error(e.what());
            throw PluginError(CA_ERR_FAILED, e.what());
        }
        return *engine_;
    }
    // Until this release the agent's core kept the reminders in its own state.sqlite3, two
    // levels above the plugin's folder (<state>/plugins/<name>). A new database takes those
    // records over once, read-only, so an upgrade neither repeats a reminder nor forgets a
    // "don't remind me". To be removed once no installation can still hold them.
    void takeOverLegacyRecords(const std::filesystem::path& folder) {
        const auto legacy = folder.parent_path().parent_path() / "state.sqlite3";
        try {
            if (auto n = engine_->importLegacyOnce(legacy))
                host().info(fmt::format("took over {} remembered certificate(s) from {}", n,
                                        legacy.string()));
        } catch (const std::exception& e) {
            host().warn(fmt::format("the reminders kept in {} were not taken over: {}",
                                    legacy.string(), e.what()));
        }
    }
    ReminderEngine* engineIfEnabled() {
        try {
            auto& e = engine();
            return settings_.enabled ? &e : nullptr;
        } catch (const std::exception&) {
            return nullptr;  // said once in the log
        }
    }

    // [event thread] The long-running agent has started.
    void begin() {
        if (begun_.exchange(true)) return;
        Settings s;
        try {
            s = settings();
        } catch (const std::exception& e) {
            host().error(e.what());
            return;
        }
        if (!s.enabled) {
            host().info("reminders are turned off ([reminders] enabled = false)");
            return;
        }
        active_ = true;
        host().events().subscribe(
            "TokenInserted,TokenRemoved,CertificatesChanged,RenewalProgress,UserAction",
            [this](const json& e) { onEvent(e); });
        checks_.post([this] { refresh(); });
    }

    // [event thread] Only posts: the work reads tokens, so it runs on a job.
    void onEvent(const json& e) {
        const auto type = text(e, "type");
        if (type == "TokenInserted" || type == "CertificatesChanged") {
            checks_.post([this, serial = text(e, "serial"), inserted = type == "TokenInserted"] {
                auto snap = read(serial);
                if (snap) deliver(engine().observeToken(*snap, inserted));  // else: gone again
                replan();
            });
        } else if (type == "TokenRemoved") {
            checks_.post([this, serial = text(e, "serial")] { engine().tokenRemoved(serial); });
        } else if (type == "RenewalProgress" && text(e, "state") == "done") {
            checks_.post([this, token = text(e, "token"), cert = text(e, "cert")] {
                engine().renewalCompleted(token, cert);
                if (auto snap = read(token)) deliver(engine().observeToken(*snap, false));
                replan();
            });
        } else if (type == "UserAction") {
            onAnswer(e);
        }
    }

    // [event thread] The person answered. snooze and dismiss are answers to this plugin's own
    // notifications (the host names the notifying plugin); "acknowledge" (what the composition
    // root makes of "Renew now" or a click) and "renew" (the renewal window starting one) also
    // count when no plugin is named. Another plugin's answers are its own business.
    void onAnswer(const json& e) {
        const auto plugin = text(e, "plugin");
        const auto action = text(e, "action");
        const bool ours = plugin == kPluginName;
        const bool acknowledges = action == "acknowledge" || action == "renew";
        if (!(ours && (action == "snooze" || action == "dismiss" || acknowledges)) &&
            !(plugin.empty() && acknowledges))
            return;
        checks_.post([this, e, action] {
            try {
                auto ref = refFrom(e);
                if (action == "snooze") {
                    auto args = e.find("args");
                    engine().snooze(ref, args != e.end() ? daysOf(*args) : 1);
                } else if (action == "dismiss") {
                    engine().dismiss(ref);
                } else {
                    engine().acknowledge(ref);
                }
            } catch (const PluginError& err) {
                host().warn(fmt::format("{} from {}: {}", action,
                                        text(e, "source").empty() ? "?" : text(e, "source"),
                                        err.what()));
            }
            replan();
        });
    }

    // [job] One token as it is now; nullopt when it is not connected.
    std::optional<TokenSnapshot> read(const std::string& serial) {
        reloadTimeZone();  // every check uses the zone the machine is in now
        json tokens = json::array();
        for (const auto& t : host().tokens())
            if (text(t, "serial") == serial) tokens.push_back(t);
        if (tokens.empty()) return std::nullopt;
        auto snaps = snapshotsFrom(tokens, host().certificates({{"token", serial}}));
        if (snaps.empty()) return std::nullopt;
        return snaps.front();
    }
    std::vector<TokenSnapshot> readAll() {
        reloadTimeZone();
        auto tokens = host().tokens();
        return snapshotsFrom(tokens, host().certificates());
    }

    // [job] Reads every token, reminds about what is due, plans the next check.
    void refresh() {
        auto& e = engine();
        std::vector<Reminder> fired;
        try {
            fired = e.observeAll(readAll());
        } catch (const certagent::sdk::HostError& err) {
            // Tokens unreadable now: remind from what was remembered.
            host().warn(std::string("could not read the tokens: ") + err.what());
            fired = e.evaluate();
        }
        deliver(fired);
        replan();
    }

    // [job] Sleeps until the next due time: one timer, replaced at each plan.
    void replan() {
        if (timer_) host().timers().cancel(timer_);
        timer_ = 0;
        auto due = engine().nextDue();
        if (!due) {
            host().debug("nothing left to remind about");
            return;
        }
        timer_ = host().timers().scheduleAt(toEpochMs(*due),
                                            [this] { checks_.post([this] { refresh(); }); });
        host().debug("next reminder check at " + isoUtc(*due));
    }

    // [job] The event, the notification, the hook: in that order, most important first.
    void deliver(const std::vector<Reminder>& reminders) {
        for (const auto& r : reminders) {
            host().info(fmt::format("reminder: token {} cert {} threshold {} ({})",
                                    r.record.tokenSerial, r.record.cert.idHex, r.threshold,
                                    triggerName(r.trigger)));
            auto event = reminderEvent(r);
            try {
                host().events().publish(event);
            } catch (const std::exception& e) {
                host().error(std::string("ReminderDue not published: ") + e.what());
            }
            json n = {{"title", event["title"]},
                      {"body", event["body"]},
                      {"urgency", r.severity == Severity::Critical ? "critical" : "normal"},
                      {"actions", event["actions"]},
                      {"token", r.record.tokenSerial},
                      {"cert", r.record.cert.idHex},
                      {"fingerprint", r.record.cert.fingerprint},
                      {"severity", event["severity"]}};
            try {
                if (!host().notify(n))
                    host().warn("the reminder could not be shown: " + text(event, "title"));
            } catch (const std::exception& e) {
                host().error(std::string("the reminder could not be shown: ") + e.what());
            }
            if (!settings_.command.empty())
                commands_.post([this, env = reminderEnvironment(r)] { runCommand(env); });
        }
    }

    // [job of its own queue] A slow command never delays the next reminder.
    void runCommand(const std::map<std::string, std::string>& env) {
        const auto& argv = settings_.command;
        try {
            auto r = host().runProcess(argv, env, kCommandTimeoutMs);
            if (r.timedOut)
                host().error(fmt::format("reminder command {} ran longer than {} s and was stopped",
                                         argv[0], kCommandTimeoutMs / 1000));
            else if (r.signal)
                host().error(
                    fmt::format("reminder command {} was killed by signal {}", argv[0], *r.signal));
            else if (r.exitCode && *r.exitCode != 0)
                host().error(fmt::format("reminder command {} failed with exit code {}", argv[0],
                                         *r.exitCode));
            else
                host().debug("reminder command " + argv[0] + " done");
        } catch (const certagent::sdk::HostError& e) {
            host().error(fmt::format("reminder command {} could not run: {}", argv[0], e.what()));
        }
    }

    json status(const json& args) {
        auto now = nowTime();
        if (auto n = args.find("now"); n != args.end() && !n->is_null()) {
            auto parsed = n->is_string() ? parseIso8601(n->get<std::string>()) : std::nullopt;
            if (!parsed)
                throw PluginError(CA_ERR_INVALID_ARGUMENT,
                                  fmt::format(fmt::runtime(_("'{0}' is not an ISO 8601 date and "
                                                             "time (expected e.g. "
                                                             "2026-11-25T10:00:00Z)")),
                                              n->is_string() ? n->get<std::string>() : n->dump()));
            now = *parsed;
        }
        std::optional<std::string> token;
        if (auto t = text(args, "token"); !t.empty()) token = t;
        auto& e = engine();
        try {
            e.rememberAll(readAll());
        } catch (const certagent::sdk::HostError& err) {
            host().warn(std::string("could not read the tokens: ") + err.what());
        }
        json list = json::array();
        for (const auto& s : e.list(now, token)) {
            auto j = statusJson(s, now);
            j["menu_label"] = menuLabel(s);
            list.push_back(std::move(j));
        }
        return {{"reminders", list}, {"actions", reminderActions()}};
    }

    WorkQueue checks_;    // token reads, answers, planning: one at a time, in order
    WorkQueue commands_;  // [reminders] command runs
    std::mutex open_mutex_;
    std::unique_ptr<ReminderEngine> engine_;
    std::optional<std::string> open_error_;
    Settings settings_;
    std::atomic<bool> begun_{false};   // AgentStarted came
    std::atomic<bool> active_{false};  // ... and reminders are on: checks and timers run
    uint64_t timer_ = 0;               // only touched by checks_' job
};

}  // namespace expiry_reminders

CERTAGENT_PLUGIN(expiry_reminders::ExpiryReminders, flow, "expiry-reminders", "2.0.0",
                 "Reminds before certificates expire: thresholds, snooze, a command hook")
