#include "certagent/core/host_services.hpp"

#include <fmt/format.h>

#include <atomic>
#include <memory>

#include "certagent/core/error.hpp"
#include "certagent/core/host_boundary.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"
#include "certagent/core/state_store.hpp"

namespace certagent {
namespace fs = std::filesystem;

namespace {

using boundary::emit;
using boundary::guarded;
using boundary::parseArgs;

PluginContext& pc(void* ctx) { return pluginContext(ctx); }
HostServices& hs(void* ctx) { return *pc(ctx).services; }

// ---- ca_host base -------------------------------------------------------------------------
void hostLog(void* ctx, ca_log_level level, const char* message) {
    try {
        log::Level l = level == CA_LOG_DEBUG  ? log::Level::Debug
                       : level == CA_LOG_WARN ? log::Level::Warn
                       : level == CA_LOG_ERROR ? log::Level::Error
                                               : log::Level::Info;
        log::write(l, pc(ctx).name, message ? message : "");
    } catch (...) {
    }
}

int64_t hostNow(void* ctx) { return toEpochMs(hs(ctx).clock().now()); }

const void* hostExtension(void* ctx, const char* id);

// ---- certagent.events/1 -------------------------------------------------------------------
ca_status evPublish(void* ctx, const char* event_json) {
    return guarded(nullptr, nullptr, [&] {
        auto j = json::parse(event_json ? event_json : "");
        if (!j.is_object() || !j.contains("type") || !j["type"].is_string())
            return CA_ERR_INVALID_ARGUMENT;
        j["source"] = pc(ctx).name;  // who published, as the host knows it
        hs(ctx).bus().publish(std::move(j));
        return CA_OK;
    });
}

ca_status evSubscribe(void* ctx, const char* types, ca_event_fn fn, void* user, uint64_t* out) {
    return guarded(nullptr, nullptr, [&] {
        if (!fn || !types || !out) return CA_ERR_INVALID_ARGUMENT;
        auto& p = pc(ctx);
        if (p.stopping) return CA_ERR_DENIED;
        std::lock_guard lock(p.mutex);
        *out = p.services->bus().subscribe(types, [fn, user](const json& e) {
            auto text = e.dump();
            fn(user, text.c_str());
        });
        p.subscriptions.insert(*out);
        return CA_OK;
    });
}

void evUnsubscribe(void* ctx, uint64_t id) {
    try {
        auto& p = pc(ctx);
        {
            std::lock_guard lock(p.mutex);
            if (!p.subscriptions.erase(id)) return;  // not this plugin's
        }
        p.services->bus().unsubscribe(id);
    } catch (...) {
    }
}

const ca_events_v1 kEvents{sizeof(ca_events_v1), &evPublish, &evSubscribe, &evUnsubscribe};

// ---- certagent.timers/1 -------------------------------------------------------------------
ca_status tmSchedule(void* ctx, int64_t due_ms, ca_timer_fn fn, void* user, uint64_t* out) {
    return guarded(nullptr, nullptr, [&] {
        if (!fn || !out) return CA_ERR_INVALID_ARGUMENT;
        auto& p = pc(ctx);
        if (p.stopping) return CA_ERR_DENIED;
        // The callback learns its id once scheduleAt returned it; a fired timer is forgotten.
        auto id = std::make_shared<std::atomic<uint64_t>>(0);
        PluginContext* plugin = &p;
        std::lock_guard lock(p.mutex);
        *out = p.services->scheduler().scheduleAt(fromEpochMs(due_ms), [fn, user, id, plugin] {
            uint64_t mine = id->load();
            fn(user, mine);
            std::lock_guard l(plugin->mutex);
            plugin->timers.erase(mine);
        });
        id->store(*out);
        p.timers.insert(*out);
        return CA_OK;
    });
}

void tmCancel(void* ctx, uint64_t id) {
    try {
        auto& p = pc(ctx);
        {
            std::lock_guard lock(p.mutex);
            if (!p.timers.erase(id)) return;
        }
        p.services->scheduler().cancel(id);
    } catch (...) {
    }
}

const ca_timers_v1 kTimers{sizeof(ca_timers_v1), &tmSchedule, &tmCancel};

// ---- certagent.jobs/1 ---------------------------------------------------------------------
std::atomic<uint64_t> g_next_job{1};

ca_status jobStart(void* ctx, ca_job_fn fn, void* user, uint64_t* out) {
    return guarded(nullptr, nullptr, [&] {
        if (!fn || !out) return CA_ERR_INVALID_ARGUMENT;
        auto& p = pc(ctx);
        if (p.stopping) return CA_ERR_DENIED;
        std::lock_guard lock(p.mutex);
        // Finished jobs are reaped here, so a busy plugin does not pile up threads.
        for (auto it = p.jobs.begin(); it != p.jobs.end();) {
            if (it->second->done) {
                if (it->second->thread.joinable()) it->second->thread.join();
                it = p.jobs.erase(it);
            } else {
                ++it;
            }
        }
        uint64_t id = g_next_job++;
        auto job = std::make_unique<PluginContext::Job>();
        auto* done = &job->done;
        job->thread = std::thread([fn, user, id, done, name = p.name] {
            try {
                fn(user, id);
            } catch (...) {
                log::error(name, "a job of this plugin threw an exception");
            }
            *done = true;
        });
        p.jobs[id] = std::move(job);
        *out = id;
        return CA_OK;
    });
}

int jobStopRequested(void* ctx, uint64_t) {
    try {
        return pc(ctx).stopping ? 1 : 0;
    } catch (...) {
        return 1;
    }
}

const ca_jobs_v1 kJobs{sizeof(ca_jobs_v1), &jobStart, &jobStopRequested};

// ---- certagent.state/1 --------------------------------------------------------------------
state::StateStore& storeOf(void* ctx) {
    auto* s = hs(ctx).store();
    if (!s) throw Error(ErrorKind::State, _("no state store is open"));
    return *s;
}
std::string ns(void* ctx) { return "plugin:" + pc(ctx).name; }

ca_status stGet(void* ctx, const char* key, ca_sink_fn sink, void* user) {
    return guarded(sink, user, [&] {
        if (!key) return CA_ERR_INVALID_ARGUMENT;
        auto v = storeOf(ctx).get(ns(ctx), key);
        emit(sink, user, v ? json{{"value", *v}} : json{{"value", nullptr}});
        return CA_OK;
    });
}
ca_status stPut(void* ctx, const char* key, const char* value) {
    return guarded(nullptr, nullptr, [&] {
        if (!key || !value) return CA_ERR_INVALID_ARGUMENT;
        storeOf(ctx).put(ns(ctx), key, value);
        return CA_OK;
    });
}
ca_status stErase(void* ctx, const char* key) {
    return guarded(nullptr, nullptr, [&] {
        if (!key) return CA_ERR_INVALID_ARGUMENT;
        storeOf(ctx).erase(ns(ctx), key);
        return CA_OK;
    });
}
ca_status stKeys(void* ctx, const char* prefix, ca_sink_fn sink, void* user) {
    return guarded(sink, user, [&] {
        emit(sink, user, {{"keys", storeOf(ctx).keys(ns(ctx), prefix ? prefix : "")}});
        return CA_OK;
    });
}
ca_status stFolder(void* ctx, ca_sink_fn sink, void* user) {
    return guarded(sink, user, [&] {
        auto dir = hs(ctx).stateDir() / "plugins" / pc(ctx).name;
        std::error_code ec;
        fs::create_directories(dir, ec);
        if (ec) throw Error(ErrorKind::Io, _("the folder cannot be created"), dir.string());
        fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
        auto text = dir.string();
        if (sink) sink(user, text.data(), text.size());
        return CA_OK;
    });
}

const ca_state_v1 kState{sizeof(ca_state_v1), &stGet, &stPut, &stErase, &stKeys, &stFolder};

// ---- certagent.config/1 -------------------------------------------------------------------
ca_status cfGet(void* ctx, const char* key, ca_sink_fn sink, void* user) {
    return guarded(sink, user, [&] {
        if (!key) return CA_ERR_INVALID_ARGUMENT;
        auto* v = hs(ctx).config().find(key);
        emit(sink, user, v ? json{{"value", v->value}, {"locked", v->locked}}
                           : json{{"value", nullptr}});
        return CA_OK;
    });
}

const ca_config_v1 kConfig{sizeof(ca_config_v1), &cfGet};

// ---- certagent.text/1 ---------------------------------------------------------------------
const char* txTranslate(void*, const char* msgid) {
    try {
        return msgid ? i18n::tr(msgid) : "";
    } catch (...) {
        return msgid ? msgid : "";
    }
}
const char* txTranslatePlural(void*, const char* singular, const char* plural, unsigned long n) {
    try {
        return i18n::trn(singular, plural, n);
    } catch (...) {
        return n == 1 ? singular : plural;
    }
}

const ca_text_v1 kText{sizeof(ca_text_v1), &txTranslate, &txTranslatePlural};

// ---- certagent.ui/1 -----------------------------------------------------------------------
ca_status uiNotify(void* ctx, const char* notification_json, ca_sink_fn sink, void* user) {
    return guarded(sink, user, [&] {
        auto n = parseArgs(notification_json);
        n["plugin"] = pc(ctx).name;
        emit(sink, user, {{"shown", hs(ctx).notifier().notify(n)}});
        return CA_OK;
    });
}

using PromptFn = std::function<std::optional<json>(const json&)> Prompts::*;
ca_status uiAsk(void* ctx, PromptFn which, const char* request_json, ca_sink_fn sink,
                void* user) {
    return guarded(sink, user, [&] {
        auto request = parseArgs(request_json);
        auto& p = pc(ctx);
        if (p.stopping) return CA_ERR_DENIED;
        auto prompts = p.services->prompts();
        const auto& fn = prompts.*which;
        if (!fn) {
            emit(sink, user, {{"error", {{"code", "unsupported"},
                                         {"message", _("this program cannot ask the person")}}}});
            return CA_ERR_UNSUPPORTED;
        }
        request["plugin"] = p.name;
        auto answer = fn(request);
        if (!answer || p.stopping) return CA_ERR_DENIED;
        emit(sink, user, *answer);
        return CA_OK;
    });
}
ca_status uiConfirm(void* ctx, const char* r, ca_sink_fn s, void* u) {
    return uiAsk(ctx, &Prompts::confirm, r, s, u);
}
ca_status uiChoose(void* ctx, const char* r, ca_sink_fn s, void* u) {
    return uiAsk(ctx, &Prompts::choose, r, s, u);
}
ca_status uiChooseFile(void* ctx, const char* r, ca_sink_fn s, void* u) {
    return uiAsk(ctx, &Prompts::chooseFile, r, s, u);
}

// Only a web page or an existing file: never a program, never another scheme.
ca_status uiOpen(void* ctx, const char* r, ca_sink_fn s, void* u) {
    auto checked = guarded(s, u, [&] {
        auto target = parseArgs(r).value("target", std::string());
        const bool web = target.rfind("https://", 0) == 0 || target.rfind("http://", 0) == 0;
        std::error_code ec;
        if (!web && !fs::is_regular_file(target, ec))
            throw Error(ErrorKind::InvalidInput,
                        _("only a web page or an existing file can be opened"), target);
        return CA_OK;
    });
    return checked != CA_OK ? checked : uiAsk(ctx, &Prompts::open, r, s, u);
}

const ca_ui_v1 kUi{sizeof(ca_ui_v1), &uiNotify, &uiConfirm, &uiChoose, &uiChooseFile, &uiOpen};

// ---- certagent.providers/1 ----------------------------------------------------------------
void appendBytes(void* user, const char* data, size_t len) {
    auto* v = static_cast<std::vector<uint8_t>*>(user);
    v->insert(v->end(), data, data + len);
}

ca_status pvRegisterTimestamper(void* ctx, ca_timestamp_fn fn, void* user) {
    return guarded(nullptr, nullptr, [&] {
        if (!fn) return CA_ERR_INVALID_ARGUMENT;
        auto& p = pc(ctx);
        p.services->setTimestamper(p.name, [fn, user](std::span<const uint8_t> data) {
            std::vector<uint8_t> out;
            auto s = fn(user, data.data(), data.size(), &appendBytes, &out);
            if (s != CA_OK) {
                std::string text(out.begin(), out.end());
                std::string message = text;
                try {
                    auto j = json::parse(text);
                    message = j["error"].value("message", text);
                } catch (...) {
                }
                throw Error(s == CA_ERR_RETRY ? ErrorKind::Network : ErrorKind::Protocol,
                            message.empty() ? _("the timestamp service failed") : message,
                            "timestamps", s == CA_ERR_RETRY);
            }
            return out;
        });
        return CA_OK;
    });
}

const ca_providers_v1 kProviders{sizeof(ca_providers_v1), &pvRegisterTimestamper};

const void* hostExtension(void* ctx, const char* id) {
    try {
        if (!id) return nullptr;
        std::string_view name(id);
        if (name == CA_EXT_EVENTS) return &kEvents;
        if (name == CA_EXT_TIMERS) return &kTimers;
        if (name == CA_EXT_JOBS) return &kJobs;
        if (name == CA_EXT_STATE) return &kState;
        if (name == CA_EXT_CONFIG) return &kConfig;
        if (name == CA_EXT_TEXT) return &kText;
        if (name == CA_EXT_UI) return &kUi;
        if (name == CA_EXT_PROVIDERS) return &kProviders;
        return hs(ctx).extension(std::string(name));
    } catch (...) {
        return nullptr;
    }
}

}  // namespace

PluginContext& pluginContext(void* ctx) {
    if (!ctx) throw Error(ErrorKind::Internal, "a plugin called with no context");
    return *static_cast<PluginContext*>(ctx);
}

bool ConsoleNotifier::notify(const json& n) {
    auto urgency = n.value("urgency", "normal");
    auto text = fmt::format("{}: {}", n.value("title", ""), n.value("body", ""));
    log::write(urgency == "critical" ? log::Level::Error : log::Level::Warn, "notify", text);
    return true;
}

HostServices::HostServices(Clock& clock, EventBus& bus, Scheduler& scheduler,
                           const config::Config& config, Notifier& notifier,
                           state::StateStore* store, fs::path stateDir)
    : clock_(clock),
      bus_(bus),
      scheduler_(scheduler),
      config_(config),
      notifier_(notifier),
      store_(store),
      state_dir_(std::move(stateDir)) {}

HostServices::~HostServices() = default;

std::unique_ptr<PluginContext> HostServices::newPluginContext(const std::string& plugin) {
    auto p = std::make_unique<PluginContext>();
    p->services = this;
    p->name = plugin;
    p->host.struct_size = sizeof(ca_host);
    p->host.abi_major = CERTAGENT_SDK_ABI_MAJOR;
    p->host.abi_minor = CERTAGENT_SDK_ABI_MINOR;
    p->host.ctx = p.get();
    p->host.get_extension = &hostExtension;
    p->host.log = &hostLog;
    p->host.now_ms = &hostNow;
    return p;
}

void HostServices::releasePlugin(PluginContext& p) {
    if (p.stopping.exchange(true)) return;
    std::set<uint64_t> subs, timers;
    std::map<uint64_t, std::unique_ptr<PluginContext::Job>> jobs;
    {
        std::lock_guard lock(p.mutex);
        subs.swap(p.subscriptions);
        timers.swap(p.timers);
        jobs.swap(p.jobs);
    }
    for (auto id : subs) bus_.unsubscribe(id);
    for (auto id : timers) scheduler_.cancel(id);
    // Jobs were told (stopping); blocking host calls answer "cancelled" from now on.
    for (auto& [id, job] : jobs)
        if (job->thread.joinable()) job->thread.join();
    std::vector<std::function<void(const std::string&)>> hooks;
    {
        std::lock_guard lock(mutex_);
        hooks = release_hooks_;
        if (timestamper_owner_ == p.name) {
            timestamper_owner_.clear();
            timestamper_ = nullptr;
        }
    }
    for (auto& hook : hooks) {
        try {
            hook(p.name);
        } catch (const std::exception& e) {
            log::warn("plugins", "releasing {}: {}", p.name, e.what());
        }
    }
}

void HostServices::addReleaseHook(std::function<void(const std::string&)> hook) {
    std::lock_guard lock(mutex_);
    release_hooks_.push_back(std::move(hook));
}

void HostServices::registerExtension(const std::string& id, const void* table, void* data) {
    std::lock_guard lock(mutex_);
    extensions_[id] = {table, data};
}

const void* HostServices::extension(const std::string& id) const {
    std::lock_guard lock(mutex_);
    auto it = extensions_.find(id);
    return it == extensions_.end() ? nullptr : it->second.first;
}

void* HostServices::extensionData(const std::string& id) const {
    std::lock_guard lock(mutex_);
    auto it = extensions_.find(id);
    return it == extensions_.end() ? nullptr : it->second.second;
}

void HostServices::setPrompts(Prompts prompts) {
    std::lock_guard lock(mutex_);
    prompts_ = std::move(prompts);
}

Prompts HostServices::prompts() const {
    std::lock_guard lock(mutex_);
    return prompts_;
}

HostServices::Timestamper HostServices::timestamper() const {
    std::lock_guard lock(mutex_);
    return timestamper_;
}

void HostServices::setTimestamper(const std::string& plugin, Timestamper fn) {
    std::lock_guard lock(mutex_);
    if (!timestamper_owner_.empty() && timestamper_owner_ != plugin) {
        log::warn("plugins", "{} offers timestamps too; {} keeps serving them", plugin,
                  timestamper_owner_);
        return;
    }
    timestamper_owner_ = fn ? plugin : std::string();
    timestamper_ = std::move(fn);
}

}  // namespace certagent
