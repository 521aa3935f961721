// certagent plugin SDK — the header-only C++ layer over abi.h.
//
// A plugin author writes an ordinary C++ class and one macro:
//
//   class MyToken : public certagent::sdk::TokenPlugin {
//   public:
//       using TokenPlugin::TokenPlugin;
//       nlohmann::json profile() const override { return {...}; }
//   };
//   CERTAGENT_PLUGIN(MyToken, token, "my-token", "1.0.0", "Tokens of My Vendor")
//
// Exceptions never leave the plugin: every trampoline below catches them and returns a status.
// Subscriptions and timers made through Host are cancelled when the plugin object dies, so no
// callback into an unloaded library can remain.
#pragma once

#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "abi.h"

namespace certagent::sdk {

using json = nlohmann::json;

// Thrown by Host::call when the agent answers with an error status.
class HostError : public std::runtime_error {
public:
    HostError(ca_status status, const std::string& message)
        : std::runtime_error(message), status_(status) {}
    ca_status status() const noexcept { return status_; }

private:
    ca_status status_;
};

// Thrown by a plugin to return a specific status (others map to CA_ERR_EXCEPTION).
class PluginError : public std::runtime_error {
public:
    PluginError(ca_status status, const std::string& message)
        : std::runtime_error(message), status_(status) {}
    ca_status status() const noexcept { return status_; }

private:
    ca_status status_;
};

namespace detail {
inline void appendToString(void* user, const char* data, size_t len) {
    static_cast<std::string*>(user)->append(data, len);
}
}  // namespace detail

// The agent's services, as seen by one plugin instance.
class Host {
public:
    Host(const ca_host_v1* host, std::string plugin_name)
        : host_(host), name_(std::move(plugin_name)) {}
    Host(const Host&) = delete;
    Host& operator=(const Host&) = delete;
    ~Host() { cancelAll(); }

    const std::string& pluginName() const { return name_; }

    void log(ca_log_level level, const std::string& message) const {
        host_->log(host_->ctx, name_.c_str(), level, message.c_str());
    }
    void debug(const std::string& m) const { log(CA_LOG_DEBUG, m); }
    void info(const std::string& m) const { log(CA_LOG_INFO, m); }
    void warn(const std::string& m) const { log(CA_LOG_WARN, m); }
    void error(const std::string& m) const { log(CA_LOG_ERROR, m); }

    int64_t nowMs() const { return host_->now_ms(host_->ctx); }

    void publish(const json& event) const {
        auto text = event.dump();
        check(host_->publish(host_->ctx, name_.c_str(), text.c_str()), "publish");
    }

    // Calls fn(event) for each event whose type is in `types` ("A,B" or "*").
    uint64_t subscribe(const std::string& types, std::function<void(const json&)> fn) {
        auto holder = std::make_unique<std::function<void(const json&)>>(std::move(fn));
        uint64_t id = 0;
        check(host_->subscribe(host_->ctx, name_.c_str(), types.c_str(), &Host::onEvent,
                               holder.get(), &id),
              "subscribe");
        std::lock_guard lock(mutex_);
        subscriptions_[id] = std::move(holder);
        return id;
    }
    void unsubscribe(uint64_t id) {
        host_->unsubscribe(host_->ctx, id);
        std::lock_guard lock(mutex_);
        subscriptions_.erase(id);
    }

    // Calls fn once at due_ms (epoch milliseconds, agent clock).
    uint64_t scheduleAt(int64_t due_ms, std::function<void()> fn) {
        auto holder = std::make_unique<std::function<void()>>(std::move(fn));
        uint64_t id = 0;
        check(host_->schedule_at(host_->ctx, name_.c_str(), due_ms, &Host::onTimer, holder.get(),
                                 &id),
              "schedule_at");
        std::lock_guard lock(mutex_);
        timers_[id] = std::move(holder);
        return id;
    }
    void cancelTimer(uint64_t id) {
        host_->cancel_timer(host_->ctx, id);
        std::lock_guard lock(mutex_);
        timers_.erase(id);
    }

    // A service method (docs/plugin-sdk.md): "tokens.list", "state.get", "notify", ...
    json call(const std::string& method, const json& args = json::object()) const {
        std::string out;
        auto in = args.dump();
        ca_status s = host_->call(host_->ctx, name_.c_str(), method.c_str(), in.c_str(),
                                  &detail::appendToString, &out);
        if (s != CA_OK) {
            std::string msg = out;
            try {
                auto j = json::parse(out);
                if (j.contains("error")) msg = j["error"].value("message", out);
            } catch (...) {
            }
            throw HostError(s, method + ": " + msg);
        }
        return out.empty() ? json() : json::parse(out);
    }

private:
    static void onEvent(void* user, const char* event_json) {
        try {
            (*static_cast<std::function<void(const json&)>*>(user))(json::parse(event_json));
        } catch (...) {
            // An event handler's failure must not unwind into the agent.
        }
    }
    static void onTimer(void* user, uint64_t) {
        try {
            (*static_cast<std::function<void()>*>(user))();
        } catch (...) {
        }
    }
    void check(ca_status s, const char* what) const {
        if (s != CA_OK) throw HostError(s, std::string(what) + " failed");
    }
    void cancelAll() {
        std::map<uint64_t, std::unique_ptr<std::function<void(const json&)>>> subs;
        std::map<uint64_t, std::unique_ptr<std::function<void()>>> timers;
        {
            std::lock_guard lock(mutex_);
            subs.swap(subscriptions_);
            timers.swap(timers_);
        }
        for (auto& [id, _] : subs) host_->unsubscribe(host_->ctx, id);
        for (auto& [id, _] : timers) host_->cancel_timer(host_->ctx, id);
    }

    const ca_host_v1* host_;
    std::string name_;
    std::mutex mutex_;
    std::map<uint64_t, std::unique_ptr<std::function<void(const json&)>>> subscriptions_;
    std::map<uint64_t, std::unique_ptr<std::function<void()>>> timers_;
};

class Plugin {
public:
    explicit Plugin(Host& host) : host_(host) {}
    virtual ~Plugin() = default;
    Plugin(const Plugin&) = delete;
    Plugin& operator=(const Plugin&) = delete;
    Host& host() const { return host_; }

private:
    Host& host_;
};

// A vendor's tokens. profile() is data (see docs/plugin-sdk.md "Token profile").
class TokenPlugin : public Plugin {
public:
    using Plugin::Plugin;
    virtual json profile() const = 0;
    // Score for a token the data rules cannot decide; -1 = let the agent apply the rules.
    virtual int claim(const json& /*token*/) const { return -1; }
};

// Reacts to events, adds tray menu items, runs actions.
class FlowPlugin : public Plugin {
public:
    using Plugin::Plugin;
    virtual json menuItems(const json& /*context*/) { return json::array(); }
    virtual json runAction(const std::string& id, const json& args) = 0;
};

enum class Kind { token = CA_PLUGIN_TOKEN, flow = CA_PLUGIN_FLOW };

namespace detail {

// The plugin object plus the Host wrapper it uses; destroyed together.
template <typename T>
struct Instance {
    Instance(const ca_host_v1* h, const char* name) : host(h, name), plugin(host) {}
    Host host;
    T plugin;
};

template <typename Fn>
ca_status guarded(Fn&& fn, ca_sink_fn sink = nullptr, void* user = nullptr) noexcept {
    auto fail = [&](ca_status s, const char* what) {
        if (sink) {
            std::string msg = json{{"error", {{"message", what}}}}.dump();
            sink(user, msg.data(), msg.size());
        }
        return s;
    };
    try {
        return fn();
    } catch (const PluginError& e) {
        return fail(e.status(), e.what());
    } catch (const std::exception& e) {
        return fail(CA_ERR_EXCEPTION, e.what());
    } catch (...) {
        return fail(CA_ERR_EXCEPTION, "unknown exception");
    }
}

inline void emit(ca_sink_fn sink, void* user, const json& j) {
    std::string s = j.dump();
    sink(user, s.data(), s.size());
}

template <typename T, Kind K>
struct Entry {
    static ca_status create(const ca_host_v1* host, void** out, char* err, size_t err_len) noexcept {
        try {
            if (!host || host->struct_size < sizeof(ca_host_v1) ||
                host->abi_major != CERTAGENT_SDK_ABI_MAJOR)
                throw PluginError(CA_ERR_ABI, "host ABI mismatch");
            *out = new Instance<T>(host, entry().info.name);
            return CA_OK;
        } catch (const std::exception& e) {
            if (err && err_len) {
                std::strncpy(err, e.what(), err_len - 1);
                err[err_len - 1] = '\0';
            }
            return CA_ERR_EXCEPTION;
        } catch (...) {
            if (err && err_len) std::strncpy(err, "unknown exception", err_len - 1);
            return CA_ERR_EXCEPTION;
        }
    }
    static void destroy(void* instance) noexcept {
        try {
            delete static_cast<Instance<T>*>(instance);
        } catch (...) {
        }
    }
    static T& self(void* instance) { return static_cast<Instance<T>*>(instance)->plugin; }

    static ca_status profile(void* inst, ca_sink_fn sink, void* user) noexcept {
        return guarded([&] {
            if constexpr (K == Kind::token) emit(sink, user, self(inst).profile());
            return CA_OK;
        }, sink, user);
    }
    static ca_status claim(void* inst, const char* token_json, int32_t* score) noexcept {
        return guarded([&] {
            if constexpr (K == Kind::token) {
                int s = self(inst).claim(json::parse(token_json));
                if (s < 0) return CA_ERR_UNSUPPORTED;
                *score = s;
            }
            return CA_OK;
        });
    }
    static ca_status menuItems(void* inst, const char* ctx, ca_sink_fn sink, void* user) noexcept {
        return guarded([&] {
            if constexpr (K == Kind::flow)
                emit(sink, user, self(inst).menuItems(json::parse(ctx ? ctx : "{}")));
            return CA_OK;
        }, sink, user);
    }
    static ca_status runAction(void* inst, const char* id, const char* args, ca_sink_fn sink,
                               void* user) noexcept {
        return guarded([&] {
            if constexpr (K == Kind::flow)
                emit(sink, user, self(inst).runAction(id, json::parse(args ? args : "{}")));
            return CA_OK;
        }, sink, user);
    }

    static const ca_plugin_entry_v1& entry(const char* name = nullptr, const char* version = nullptr,
                                           const char* description = nullptr) {
        static const ca_token_vtable_v1 token_vt{sizeof(ca_token_vtable_v1), &profile, &claim};
        static const ca_flow_vtable_v1 flow_vt{sizeof(ca_flow_vtable_v1), &menuItems, &runAction};
        static const ca_plugin_entry_v1 e{
            sizeof(ca_plugin_entry_v1),
            {sizeof(ca_plugin_info), CERTAGENT_SDK_ABI_MAJOR, CERTAGENT_SDK_ABI_MINOR,
             static_cast<uint32_t>(K), name, version, description},
            &create,
            &destroy,
            K == Kind::token ? &token_vt : nullptr,
            K == Kind::flow ? &flow_vt : nullptr};
        return e;
    }
};

}  // namespace detail
}  // namespace certagent::sdk

// Exports the plugin's versioned entry point. kind: token or flow. The host compares the ABI
// major recorded in the entry with its own and refuses a mismatch before calling create.
#define CERTAGENT_PLUGIN(Class, kind, name, version, description)                               \
    static_assert(std::is_base_of_v<::certagent::sdk::Plugin, Class>,                           \
                  "CERTAGENT_PLUGIN: " #Class " must derive from TokenPlugin or FlowPlugin");   \
    extern "C" CA_EXPORT const ca_plugin_entry_v1* certagent_plugin_entry(uint16_t, uint16_t) { \
        return &::certagent::sdk::detail::Entry<Class, ::certagent::sdk::Kind::kind>::entry(    \
            name, version, description);                                                        \
    }
