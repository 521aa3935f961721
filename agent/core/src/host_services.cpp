#include "certagent/core/host_services.hpp"

#include <atomic>
#include <fmt/format.h>
#include <memory>

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"
#include "certagent/core/state_store.hpp"

namespace certagent {
namespace {

HostServices& self(void* ctx) { return *static_cast<HostServices*>(ctx); }

void emit(ca_sink_fn sink, void* user, const json& j) {
    if (!sink) return;
    auto s = j.dump();
    sink(user, s.data(), s.size());
}

ca_status statusFor(const Error& e) {
    switch (e.kind()) {
        case ErrorKind::Usage:
        case ErrorKind::InvalidInput: return CA_ERR_INVALID_ARGUMENT;
        case ErrorKind::Cancelled: return CA_ERR_DENIED;
        default: return e.retryable() ? CA_ERR_RETRY : CA_ERR_FAILED;
    }
}

// The C table's functions: no exception may leave them.
void abiLog(void* ctx, const char* plugin, ca_log_level level, const char* message) {
    (void)ctx;
    log::Level l = level == CA_LOG_DEBUG  ? log::Level::Debug
                   : level == CA_LOG_WARN ? log::Level::Warn
                   : level == CA_LOG_ERROR ? log::Level::Error
                                           : log::Level::Info;
    try {
        log::write(l, plugin ? plugin : "plugin", message ? message : "");
    } catch (...) {
    }
}

int64_t abiNow(void* ctx) { return toEpochMs(self(ctx).clock().now()); }

ca_status abiPublish(void* ctx, const char* plugin, const char* event_json) {
    try {
        auto j = json::parse(event_json);
        if (!j.is_object() || !j.contains("type")) return CA_ERR_INVALID_ARGUMENT;
        j["source"] = plugin ? plugin : "";
        self(ctx).bus().publish(std::move(j));
        return CA_OK;
    } catch (...) {
        return CA_ERR_INVALID_ARGUMENT;
    }
}

ca_status abiSubscribe(void* ctx, const char*, const char* types, ca_event_fn fn, void* user,
                       uint64_t* out) {
    try {
        if (!fn || !types || !out) return CA_ERR_INVALID_ARGUMENT;
        *out = self(ctx).bus().subscribe(types, [fn, user](const json& e) {
            auto text = e.dump();
            fn(user, text.c_str());
        });
        return CA_OK;
    } catch (...) {
        return CA_ERR_FAILED;
    }
}

void abiUnsubscribe(void* ctx, uint64_t id) {
    try {
        self(ctx).bus().unsubscribe(id);
    } catch (...) {
    }
}

ca_status abiScheduleAt(void* ctx, const char*, int64_t due_ms, ca_timer_fn fn, void* user,
                        uint64_t* out) {
    try {
        if (!fn || !out) return CA_ERR_INVALID_ARGUMENT;
        // The callback learns its own id once scheduleAt has returned it.
        auto id = std::make_shared<std::atomic<uint64_t>>(0);
        *out = self(ctx).scheduler().scheduleAt(fromEpochMs(due_ms),
                                                [fn, user, id] { fn(user, id->load()); });
        id->store(*out);
        return CA_OK;
    } catch (...) {
        return CA_ERR_FAILED;
    }
}

void abiCancelTimer(void* ctx, uint64_t id) {
    try {
        self(ctx).scheduler().cancel(id);
    } catch (...) {
    }
}

ca_status abiCall(void* ctx, const char* plugin, const char* method, const char* args_json,
                  ca_sink_fn sink, void* user) {
    try {
        json args = args_json && *args_json ? json::parse(args_json) : json::object();
        emit(sink, user, self(ctx).call(plugin ? plugin : "", method ? method : "", args));
        return CA_OK;
    } catch (const Error& e) {
        emit(sink, user, {{"error", {{"code", errorKindName(e.kind())}, {"message", describe(e)}}}});
        return statusFor(e);
    } catch (const json::exception& e) {
        emit(sink, user, {{"error", {{"code", "invalid_input"}, {"message", e.what()}}}});
        return CA_ERR_INVALID_ARGUMENT;
    } catch (const std::exception& e) {
        emit(sink, user, {{"error", {{"code", "internal"}, {"message", e.what()}}}});
        return CA_ERR_FAILED;
    } catch (...) {
        return CA_ERR_FAILED;
    }
}

}  // namespace

bool ConsoleNotifier::notify(const json& n) {
    auto urgency = n.value("urgency", "normal");
    auto text = fmt::format("{}: {}", n.value("title", ""), n.value("body", ""));
    log::write(urgency == "critical" ? log::Level::Error : log::Level::Warn, "notify", text);
    return true;
}

HostServices::HostServices(Clock& clock, EventBus& bus, Scheduler& scheduler,
                           const config::Config& config, Notifier& notifier,
                           state::StateStore* store)
    : clock_(clock),
      bus_(bus),
      scheduler_(scheduler),
      config_(config),
      notifier_(notifier),
      store_(store) {
    abi_.struct_size = sizeof(ca_host_v1);
    abi_.abi_major = CERTAGENT_SDK_ABI_MAJOR;
    abi_.abi_minor = CERTAGENT_SDK_ABI_MINOR;
    abi_.ctx = this;
    abi_.log = &abiLog;
    abi_.now_ms = &abiNow;
    abi_.publish = &abiPublish;
    abi_.subscribe = &abiSubscribe;
    abi_.unsubscribe = &abiUnsubscribe;
    abi_.schedule_at = &abiScheduleAt;
    abi_.cancel_timer = &abiCancelTimer;
    abi_.call = &abiCall;
    registerCoreMethods();
}

HostServices::~HostServices() = default;

void HostServices::registerMethod(const std::string& name, Method method) {
    std::lock_guard lock(mutex_);
    methods_[name] = std::move(method);
}

bool HostServices::hasMethod(const std::string& name) const {
    std::lock_guard lock(mutex_);
    return methods_.count(name) > 0;
}

json HostServices::call(const std::string& plugin, const std::string& method, const json& args) {
    Method m;
    {
        std::lock_guard lock(mutex_);
        auto it = methods_.find(method);
        if (it == methods_.end())
            throw Error(ErrorKind::Usage,
                        fmt::format(fmt::runtime(_("unknown host method '{0}'")), method), plugin);
        m = it->second;
    }
    return m(plugin, args);
}

void HostServices::registerCoreMethods() {
    auto needStore = [this]() -> state::StateStore& {
        if (!store_) throw Error(ErrorKind::State, _("no state store is open"));
        return *store_;
    };
    // Each plugin has its own namespace in the key/value store.
    registerMethod("state.get", [needStore](const std::string& plugin, const json& a) -> json {
        auto v = needStore().get("plugin:" + plugin, a.at("key").get<std::string>());
        return v ? json{{"value", *v}} : json{{"value", nullptr}};
    });
    registerMethod("state.put", [needStore](const std::string& plugin, const json& a) -> json {
        needStore().put("plugin:" + plugin, a.at("key").get<std::string>(),
                        a.at("value").get<std::string>());
        return json::object();
    });
    registerMethod("state.delete", [needStore](const std::string& plugin, const json& a) -> json {
        return {{"deleted", needStore().erase("plugin:" + plugin, a.at("key").get<std::string>())}};
    });
    registerMethod("state.keys", [needStore](const std::string& plugin, const json& a) -> json {
        return {{"keys", needStore().keys("plugin:" + plugin, a.value("prefix", ""))}};
    });
    registerMethod("config.get", [this](const std::string&, const json& a) -> json {
        auto key = a.at("key").get<std::string>();
        auto* v = config_.find(key);
        if (!v) return {{"value", nullptr}};
        return {{"value", v->value}, {"locked", v->locked}};
    });
    registerMethod("notify", [this](const std::string& plugin, const json& a) -> json {
        json n = a;
        n["plugin"] = plugin;
        return {{"shown", notifier_.notify(n)}};
    });
    registerMethod("clock.now", [this](const std::string&, const json&) -> json {
        return {{"now", toIso8601(clock_.now())}, {"now_ms", toEpochMs(clock_.now())}};
    });
}

}  // namespace certagent
