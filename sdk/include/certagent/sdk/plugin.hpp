// certagent plugin SDK — the header-only C++ layer over abi.h.
//
// A plugin author writes an ordinary C++ class and one macro:
//
//   class MyFlow : public certagent::sdk::FlowPlugin {
//   public:
//       explicit MyFlow(certagent::sdk::Host& host) : FlowPlugin(host) {
//           host.events().subscribe("TokenInserted", [this](const json& e) { ... });
//       }
//       json runAction(const std::string& id, const json& args) override { ... }
//   };
//   CERTAGENT_PLUGIN(MyFlow, flow, "my-flow", "1.0.0", "What it does")
//
// Exceptions never leave the plugin: every trampoline below catches them and returns a status.
// Subscriptions, timers and jobs made through Host are released when the plugin object dies
// (and the host releases them too), so no callback into an unloaded library can remain.
// Thread rules are abi.h's: [any thread], [not UI] (may block: call it from a job or your own
// thread, never from an event or timer callback).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "abi.h"

namespace certagent::sdk {

using json = nlohmann::json;
using Bytes = std::vector<uint8_t>;

// Thrown by the Host wrappers when the agent answers with an error status. code() is the
// agent's error code ("token_removed", "network", "cancelled", ...), empty when none.
class HostError : public std::runtime_error {
public:
    HostError(ca_status status, const std::string& message, std::string code = {})
        : std::runtime_error(message), status_(status), code_(std::move(code)) {}
    ca_status status() const noexcept { return status_; }
    const std::string& code() const noexcept { return code_; }

private:
    ca_status status_;
    std::string code_;
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
inline void appendToBytes(void* user, const char* data, size_t len) {
    auto* b = static_cast<Bytes*>(user);
    b->insert(b->end(), reinterpret_cast<const uint8_t*>(data),
              reinterpret_cast<const uint8_t*>(data) + len);
}
// Turns a failed call's status and {"error": {code, message}} text into a HostError.
[[noreturn]] inline void fail(ca_status s, const std::string& what, const std::string& out) {
    std::string msg = out, code;
    try {
        auto j = json::parse(out);
        if (j.is_object() && j.contains("error") && j["error"].is_object()) {
            msg = j["error"].value("message", out);
            code = j["error"].value("code", "");
        }
    } catch (...) {
    }
    throw HostError(s, msg.empty() ? what + " failed" : msg, code);
}
inline json parseOrNull(const std::string& out) {
    return out.empty() ? json() : json::parse(out);
}
}  // namespace detail

class Host;

// certagent.events/1
class Events {
public:
    void publish(const json& event) const;
    // fn runs on the event thread, in order; keep it short.
    uint64_t subscribe(const std::string& types, std::function<void(const json&)> fn);
    void unsubscribe(uint64_t id);

private:
    friend class Host;
    explicit Events(Host& h) : host_(h) {}
    void releaseAll();
    static void onEvent(void* user, const char* event_json) noexcept {
        try {
            (*static_cast<std::function<void(const json&)>*>(user))(json::parse(event_json));
        } catch (...) {
            // An event handler's failure must not unwind into the agent.
        }
    }
    Host& host_;
    std::mutex mutex_;
    std::map<uint64_t, std::unique_ptr<std::function<void(const json&)>>> subs_;
    // Handlers unsubscribed (maybe from inside themselves): freed with the plugin, not while
    // they may still be running.
    std::vector<std::unique_ptr<std::function<void(const json&)>>> retired_;
};

// certagent.timers/1
class Timers {
public:
    // fn runs once on the timer thread at due_ms (epoch ms, agent clock).
    uint64_t scheduleAt(int64_t due_ms, std::function<void()> fn);
    void cancel(uint64_t id);

private:
    friend class Host;
    explicit Timers(Host& h) : host_(h) {}
    void releaseAll();
    struct Holder {
        Timers* self;
        std::function<void()> fn;
    };
    static void onTimer(void* user, uint64_t id) noexcept {
        auto* h = static_cast<Holder*>(user);
        // The function and its owner are taken first: fn may cancel its own timer, which
        // frees the holder.
        auto* self = h->self;
        auto fn = std::move(h->fn);
        try {
            fn();
        } catch (...) {
        }
        self->forget(id);  // a one-shot timer: its holder goes once it has run
    }
    void forget(uint64_t id);
    Host& host_;
    std::mutex mutex_;
    std::map<uint64_t, std::unique_ptr<Holder>> timers_;
};

// certagent.jobs/1
class Jobs {
public:
    // fn runs once on a host worker thread; stopRequested(id) tells it to finish early.
    uint64_t start(std::function<void(uint64_t job)> fn);
    bool stopRequested(uint64_t job) const;

private:
    friend class Host;
    explicit Jobs(Host& h) : host_(h) {}
    struct Holder {
        Jobs* self;
        std::function<void(uint64_t)> fn;
    };
    static void onJob(void* user, uint64_t id) noexcept {
        auto* h = static_cast<Holder*>(user);
        auto* self = h->self;
        auto fn = std::move(h->fn);
        try {
            fn(id);
        } catch (...) {
        }
        self->forget(h);
    }
    void forget(Holder* h);
    Host& host_;
    std::mutex mutex_;
    std::vector<std::unique_ptr<Holder>> jobs_;
};

// certagent.tokens/1 — a session on a token; closed when this object dies.
class TokenSession {
public:
    TokenSession(Host& host, uint64_t id) : host_(&host), id_(id) {}
    TokenSession(TokenSession&& o) noexcept : host_(o.host_), id_(std::exchange(o.id_, 0)) {}
    TokenSession& operator=(TokenSession&& o) noexcept;
    TokenSession(const TokenSession&) = delete;
    TokenSession& operator=(const TokenSession&) = delete;
    ~TokenSession();

    uint64_t id() const { return id_; }
    json info() const;
    Bytes signDigest(const std::string& keyId, const std::string& hash,
                     std::span<const uint8_t> digest) const;
    json generateKeyPair(const json& args) const;  // {"id", "label", "key_type"}
    Bytes createCsr(const json& args) const;       // {"id", "subject": [[k, v], ...]}
    Bytes publicKey(const std::string& keyId) const;
    void writeCertificate(const std::string& id, const std::string& label,
                          std::span<const uint8_t> der) const;
    void deleteObjects(const std::string& id, const std::vector<std::string>& objects) const;

private:
    Host* host_;
    uint64_t id_;
};

// The agent's services, as seen by one plugin instance.
class Host {
public:
    Host(const ca_host* host, std::string plugin_name)
        : host_(host), name_(std::move(plugin_name)), events_(*this), timers_(*this),
          jobs_(*this) {}
    Host(const Host&) = delete;
    Host& operator=(const Host&) = delete;
    ~Host() {
        events_.releaseAll();
        timers_.releaseAll();
    }

    const std::string& pluginName() const { return name_; }
    const ca_host* raw() const { return host_; }
    void* ctx() const { return host_->ctx; }

    // An extension table by name, or nullptr (has<T>() to ask without throwing).
    const void* extension(const char* id) const { return host_->get_extension(host_->ctx, id); }
    template <typename T>
    const T& require(const char* id) const {
        auto* t = static_cast<const T*>(extension(id));
        if (!t || t->struct_size < sizeof(uint32_t))
            throw HostError(CA_ERR_UNSUPPORTED,
                            std::string("this agent does not offer ") + id);
        return *t;
    }

    void log(ca_log_level level, const std::string& message) const {
        host_->log(host_->ctx, level, message.c_str());
    }
    void debug(const std::string& m) const { log(CA_LOG_DEBUG, m); }
    void info(const std::string& m) const { log(CA_LOG_INFO, m); }
    void warn(const std::string& m) const { log(CA_LOG_WARN, m); }
    void error(const std::string& m) const { log(CA_LOG_ERROR, m); }
    int64_t nowMs() const { return host_->now_ms(host_->ctx); }

    Events& events() { return events_; }
    Timers& timers() { return timers_; }
    Jobs& jobs() { return jobs_; }

    // certagent.text/1: the translation of msgid in the user's language.
    const char* tr(const char* msgid) const {
        auto* t = static_cast<const ca_text_v1*>(extension(CA_EXT_TEXT));
        return t ? t->translate(host_->ctx, msgid) : msgid;
    }
    const char* trn(const char* singular, const char* plural, unsigned long n) const {
        auto* t = static_cast<const ca_text_v1*>(extension(CA_EXT_TEXT));
        return t ? t->translate_plural(host_->ctx, singular, plural, n)
                 : (n == 1 ? singular : plural);
    }

    // certagent.state/1
    std::optional<std::string> stateGet(const std::string& key) const {
        auto j = sinkCall<ca_state_v1>(CA_EXT_STATE, "state.get", [&](auto& t, auto sink, auto u) {
            return t.get(ctx(), key.c_str(), sink, u);
        });
        if (!j.is_object() || !j["value"].is_string()) return std::nullopt;
        return j["value"].get<std::string>();
    }
    void statePut(const std::string& key, const std::string& value) const {
        check(require<ca_state_v1>(CA_EXT_STATE).put(ctx(), key.c_str(), value.c_str()),
              "state.put");
    }
    void stateErase(const std::string& key) const {
        check(require<ca_state_v1>(CA_EXT_STATE).erase(ctx(), key.c_str()), "state.erase");
    }
    std::vector<std::string> stateKeys(const std::string& prefix = {}) const {
        auto j = sinkCall<ca_state_v1>(CA_EXT_STATE, "state.keys", [&](auto& t, auto sink,
                                                                       auto u) {
            return t.keys(ctx(), prefix.c_str(), sink, u);
        });
        return j.value("keys", std::vector<std::string>{});
    }
    std::string stateFolder() const {
        std::string out;
        auto s = require<ca_state_v1>(CA_EXT_STATE).folder(ctx(), &detail::appendToString, &out);
        if (s != CA_OK) detail::fail(s, "state.folder", out);
        return out;
    }

    // certagent.config/1: the value (null when unknown).
    json config(const std::string& key) const {
        auto j = sinkCall<ca_config_v1>(CA_EXT_CONFIG, "config.get", [&](auto& t, auto sink,
                                                                         auto u) {
            return t.get(ctx(), key.c_str(), sink, u);
        });
        return j.is_object() ? j.value("value", json()) : json();
    }

    // certagent.ui/1
    bool notify(const json& n) const {
        auto text = n.dump();
        auto j = sinkCall<ca_ui_v1>(CA_EXT_UI, "ui.notify", [&](auto& t, auto sink, auto u) {
            return t.notify(ctx(), text.c_str(), sink, u);
        });
        return j.is_object() && j.value("shown", false);
    }
    // nullopt: cancelled. Throws HostError(CA_ERR_UNSUPPORTED) when nobody can be asked.
    std::optional<json> ask(const char* what, const json& request) const {
        auto& ui = require<ca_ui_v1>(CA_EXT_UI);
        auto fn = std::string(what) == "confirm" ? ui.confirm
                  : std::string(what) == "choose" ? ui.choose
                                                  : ui.choose_file;
        std::string out, text = request.dump();
        auto s = fn(ctx(), text.c_str(), &detail::appendToString, &out);
        if (s == CA_ERR_DENIED) return std::nullopt;
        if (s != CA_OK) detail::fail(s, std::string("ui.") + what, out);
        return detail::parseOrNull(out);
    }

    // certagent.ui/1 open (ABI 2.1): opens a web page or a file for the person; false when it
    // could not be opened. Throws HostError(CA_ERR_UNSUPPORTED) when the program cannot open
    // anything (or the agent predates ABI 2.1).
    bool open(const std::string& target) const {
        auto& ui = require<ca_ui_v1>(CA_EXT_UI);
        if (ui.struct_size < offsetof(ca_ui_v1, open) + sizeof(ui.open) || !ui.open)
            throw HostError(CA_ERR_UNSUPPORTED, "this agent cannot open pages or files");
        std::string out, text = json{{"target", target}}.dump();
        auto s = ui.open(ctx(), text.c_str(), &detail::appendToString, &out);
        if (s != CA_OK) detail::fail(s, "ui.open", out);
        auto j = detail::parseOrNull(out);
        return j.is_object() && j.value("opened", false);
    }

    // certagent.tokens/1
    json tokens() const {
        return sinkCall<ca_tokens_v1>(CA_EXT_TOKENS, "tokens.list", [&](auto& t, auto sink,
                                                                        auto u) {
            return t.list(ctx(), sink, u);
        });
    }
    json certificates(const json& args = json::object()) const {
        auto text = args.dump();
        return sinkCall<ca_tokens_v1>(CA_EXT_TOKENS, "tokens.certificates",
                                      [&](auto& t, auto sink, auto u) {
                                          return t.certificates(ctx(), text.c_str(), sink, u);
                                      });
    }
    // Opens a session; with login the program asks the person for the PIN (once).
    TokenSession openToken(const std::string& serial, bool login,
                           const std::string& purpose = {}) {
        json args = {{"token", serial}, {"login", login}};
        if (!purpose.empty()) args["purpose"] = purpose;
        auto text = args.dump();
        uint64_t id = 0;
        std::string err;
        auto s = require<ca_tokens_v1>(CA_EXT_TOKENS)
                     .open(ctx(), text.c_str(), &id, &detail::appendToString, &err);
        if (s != CA_OK) detail::fail(s, "tokens.open", err);
        return TokenSession(*this, id);
    }

    // certagent.documents/1
    json signDocument(const json& request) const {
        auto text = request.dump();
        return sinkCall<ca_documents_v1>(CA_EXT_DOCUMENTS, "documents.sign",
                                         [&](auto& t, auto sink, auto u) {
                                             return t.sign(ctx(), text.c_str(), sink, u);
                                         });
    }
    json verifyDocument(const json& request) const {
        auto text = request.dump();
        return sinkCall<ca_documents_v1>(CA_EXT_DOCUMENTS, "documents.verify",
                                         [&](auto& t, auto sink, auto u) {
                                             return t.verify(ctx(), text.c_str(), sink, u);
                                         });
    }

    // certagent.documents/1 inspect (ABI 2.1): {"path", "min_dpi"?} -> the PDF's facts.
    json inspectDocument(const json& request) const {
        auto& d = require<ca_documents_v1>(CA_EXT_DOCUMENTS);
        if (d.struct_size < offsetof(ca_documents_v1, inspect) + sizeof(d.inspect) || !d.inspect)
            throw HostError(CA_ERR_UNSUPPORTED, "this agent cannot inspect documents");
        std::string out, text = request.dump();
        auto s = d.inspect(ctx(), text.c_str(), &detail::appendToString, &out);
        if (s != CA_OK) detail::fail(s, "documents.inspect", out);
        return detail::parseOrNull(out);
    }

    // certagent.x509/1 (ABI 2.1): a DER certificate described by the agent.
    json describeCertificate(std::span<const uint8_t> der) const {
        return sinkCall<ca_x509_v1>(CA_EXT_X509, "x509.describe", [&](auto& t, auto sink, auto u) {
            return t.describe(ctx(), der.data(), der.size(), sink, u);
        });
    }

    // certagent.http/1
    struct HttpResponse {
        long status = 0;
        json headers;
        std::string body;
    };
    HttpResponse http(const json& request, std::string_view body = {}) const {
        auto& h = require<ca_http_v1>(CA_EXT_HTTP);
        HttpResponse r;
        std::string meta, text = request.dump();
        auto s = h.request(ctx(), text.c_str(), reinterpret_cast<const uint8_t*>(body.data()),
                           body.size(), &detail::appendToString, &r.body,
                           &detail::appendToString, &meta);
        if (s != CA_OK) detail::fail(s, "http.request", meta.empty() ? r.body : meta);
        auto m = detail::parseOrNull(meta);
        r.status = m.value("status", 0L);
        r.headers = m.value("headers", json::object());
        return r;
    }

    // certagent.process/1 [not UI]: runs a program the person configured, with the session's
    // basic variables plus `env`, and waits (at most `timeout_ms`). Throws HostError when it
    // cannot be started (code "not_started").
    struct ProcessResult {
        std::optional<int> exitCode;  // when it exited
        std::optional<int> signal;    // when a signal ended it
        bool timedOut = false;
    };
    ProcessResult runProcess(const std::vector<std::string>& argv,
                             const std::map<std::string, std::string>& env = {},
                             int64_t timeout_ms = 30000) const {
        auto text = json{{"argv", argv}, {"env", env}, {"timeout_ms", timeout_ms}}.dump();
        auto j = sinkCall<ca_process_v1>(CA_EXT_PROCESS, "process.run",
                                         [&](auto& t, auto sink, auto u) {
                                             return t.run(ctx(), text.c_str(), sink, u);
                                         });
        ProcessResult r;
        if (j.is_object()) {
            if (j.contains("exit_code") && j["exit_code"].is_number_integer())
                r.exitCode = j["exit_code"].get<int>();
            if (j.contains("signal") && j["signal"].is_number_integer())
                r.signal = j["signal"].get<int>();
            r.timedOut = j.value("timed_out", false);
        }
        return r;
    }

    // certagent.providers/1
    void registerTimestamper(ca_timestamp_fn fn, void* user) const {
        check(require<ca_providers_v1>(CA_EXT_PROVIDERS).register_timestamper(ctx(), fn, user),
              "providers.register_timestamper");
    }

    // Calls fn(table, sink, user) and parses what the sink got; throws HostError on failure.
    template <typename T, typename Fn>
    json sinkCall(const char* ext, const char* what, Fn&& fn) const {
        auto& t = require<T>(ext);
        std::string out;
        auto s = fn(t, &detail::appendToString, static_cast<void*>(&out));
        if (s != CA_OK) detail::fail(s, what, out);
        return detail::parseOrNull(out);
    }
    void check(ca_status s, const char* what, const std::string& detail_text = {}) const {
        if (s != CA_OK) detail::fail(s, what, detail_text);
    }

private:
    const ca_host* host_;
    std::string name_;
    Events events_;
    Timers timers_;
    Jobs jobs_;
};

// ---- Out-of-line members (header-only: inline) -------------------------------------------

inline void Events::publish(const json& event) const {
    auto text = event.dump();
    auto& t = host_.require<ca_events_v1>(CA_EXT_EVENTS);
    host_.check(t.publish(host_.ctx(), text.c_str()), "events.publish");
}
inline uint64_t Events::subscribe(const std::string& types, std::function<void(const json&)> fn) {
    auto& t = host_.require<ca_events_v1>(CA_EXT_EVENTS);
    auto holder = std::make_unique<std::function<void(const json&)>>(std::move(fn));
    uint64_t id = 0;
    // The holder is registered before the host can call it.
    std::lock_guard lock(mutex_);
    host_.check(t.subscribe(host_.ctx(), types.c_str(), &Events::onEvent, holder.get(), &id),
                "events.subscribe");
    subs_[id] = std::move(holder);
    return id;
}
inline void Events::unsubscribe(uint64_t id) {
    if (auto* t = static_cast<const ca_events_v1*>(host_.extension(CA_EXT_EVENTS)))
        t->unsubscribe(host_.ctx(), id);
    std::lock_guard lock(mutex_);
    if (auto it = subs_.find(id); it != subs_.end()) {
        retired_.push_back(std::move(it->second));
        subs_.erase(it);
    }
}
inline void Events::releaseAll() {
    std::map<uint64_t, std::unique_ptr<std::function<void(const json&)>>> subs;
    {
        std::lock_guard lock(mutex_);
        subs.swap(subs_);
    }
    auto* t = static_cast<const ca_events_v1*>(host_.extension(CA_EXT_EVENTS));
    if (t)
        for (auto& [id, _] : subs) t->unsubscribe(host_.ctx(), id);
}

inline uint64_t Timers::scheduleAt(int64_t due_ms, std::function<void()> fn) {
    auto& t = host_.require<ca_timers_v1>(CA_EXT_TIMERS);
    auto holder = std::make_unique<Holder>(Holder{this, std::move(fn)});
    uint64_t id = 0;
    auto* raw = holder.get();
    {
        // Held across schedule_at: a timer due at once cannot forget() a holder not yet stored.
        std::lock_guard lock(mutex_);
        host_.check(t.schedule_at(host_.ctx(), due_ms, &Timers::onTimer, raw, &id),
                    "timers.schedule_at");
        timers_[id] = std::move(holder);
    }
    return id;
}
inline void Timers::cancel(uint64_t id) {
    if (auto* t = static_cast<const ca_timers_v1*>(host_.extension(CA_EXT_TIMERS)))
        t->cancel(host_.ctx(), id);
    std::lock_guard lock(mutex_);
    timers_.erase(id);
}
inline void Timers::forget(uint64_t id) {
    std::unique_ptr<Holder> gone;
    std::lock_guard lock(mutex_);
    if (auto it = timers_.find(id); it != timers_.end()) {
        gone = std::move(it->second);  // freed after the lock, while its fn is done
        timers_.erase(it);
    }
    // `gone` (the running holder) is destroyed here; onTimer touches nothing after forget().
}
inline void Timers::releaseAll() {
    std::map<uint64_t, std::unique_ptr<Holder>> timers;
    {
        std::lock_guard lock(mutex_);
        timers.swap(timers_);
    }
    auto* t = static_cast<const ca_timers_v1*>(host_.extension(CA_EXT_TIMERS));
    if (t)
        for (auto& [id, _] : timers) t->cancel(host_.ctx(), id);
}

inline uint64_t Jobs::start(std::function<void(uint64_t)> fn) {
    auto& t = host_.require<ca_jobs_v1>(CA_EXT_JOBS);
    auto holder = std::make_unique<Holder>(Holder{this, std::move(fn)});
    auto* raw = holder.get();
    uint64_t id = 0;
    std::lock_guard lock(mutex_);
    host_.check(t.start(host_.ctx(), &Jobs::onJob, raw, &id), "jobs.start");
    jobs_.push_back(std::move(holder));
    return id;
}
inline bool Jobs::stopRequested(uint64_t job) const {
    auto* t = static_cast<const ca_jobs_v1*>(host_.extension(CA_EXT_JOBS));
    return t && t->stop_requested(host_.ctx(), job) != 0;
}
inline void Jobs::forget(Holder* h) {
    std::unique_ptr<Holder> gone;
    std::lock_guard lock(mutex_);
    for (auto it = jobs_.begin(); it != jobs_.end(); ++it)
        if (it->get() == h) {
            gone = std::move(*it);
            jobs_.erase(it);
            break;
        }
}

inline TokenSession& TokenSession::operator=(TokenSession&& o) noexcept {
    if (this != &o) {
        if (id_)
            if (auto* t = static_cast<const ca_tokens_v1*>(host_->extension(CA_EXT_TOKENS)))
                t->close(host_->ctx(), id_);
        host_ = o.host_;
        id_ = std::exchange(o.id_, 0);
    }
    return *this;
}
inline TokenSession::~TokenSession() {
    if (!id_) return;
    if (auto* t = static_cast<const ca_tokens_v1*>(host_->extension(CA_EXT_TOKENS)))
        t->close(host_->ctx(), id_);
}
inline json TokenSession::info() const {
    return host_->sinkCall<ca_tokens_v1>(CA_EXT_TOKENS, "tokens.info",
                                         [&](auto& t, auto sink, auto u) {
                                             return t.info(host_->ctx(), id_, sink, u);
                                         });
}
inline Bytes TokenSession::signDigest(const std::string& keyId, const std::string& hash,
                                      std::span<const uint8_t> digest) const {
    auto& t = host_->require<ca_tokens_v1>(CA_EXT_TOKENS);
    auto args = json{{"id", keyId}, {"hash", hash}}.dump();
    Bytes out;
    auto s = t.sign_digest(host_->ctx(), id_, args.c_str(), digest.data(), digest.size(),
                           &detail::appendToBytes, &out);
    if (s != CA_OK) detail::fail(s, "tokens.sign_digest", std::string(out.begin(), out.end()));
    return out;
}
inline json TokenSession::generateKeyPair(const json& args) const {
    auto text = args.dump();
    return host_->sinkCall<ca_tokens_v1>(CA_EXT_TOKENS, "tokens.generate_key_pair",
                                         [&](auto& t, auto sink, auto u) {
                                             return t.generate_key_pair(host_->ctx(), id_,
                                                                        text.c_str(), sink, u);
                                         });
}
inline Bytes TokenSession::createCsr(const json& args) const {
    auto& t = host_->require<ca_tokens_v1>(CA_EXT_TOKENS);
    auto text = args.dump();
    Bytes out;
    auto s = t.create_csr(host_->ctx(), id_, text.c_str(), &detail::appendToBytes, &out);
    if (s != CA_OK) detail::fail(s, "tokens.create_csr", std::string(out.begin(), out.end()));
    return out;
}
inline Bytes TokenSession::publicKey(const std::string& keyId) const {
    auto& t = host_->require<ca_tokens_v1>(CA_EXT_TOKENS);
    auto text = json{{"id", keyId}}.dump();
    Bytes out;
    auto s = t.public_key(host_->ctx(), id_, text.c_str(), &detail::appendToBytes, &out);
    if (s != CA_OK) detail::fail(s, "tokens.public_key", std::string(out.begin(), out.end()));
    return out;
}
inline void TokenSession::writeCertificate(const std::string& id, const std::string& label,
                                           std::span<const uint8_t> der) const {
    auto& t = host_->require<ca_tokens_v1>(CA_EXT_TOKENS);
    auto text = json{{"id", id}, {"label", label}}.dump();
    std::string err;
    auto s = t.write_certificate(host_->ctx(), id_, text.c_str(), der.data(), der.size(),
                                 &detail::appendToString, &err);
    if (s != CA_OK) detail::fail(s, "tokens.write_certificate", err);
}
inline void TokenSession::deleteObjects(const std::string& id,
                                        const std::vector<std::string>& objects) const {
    auto& t = host_->require<ca_tokens_v1>(CA_EXT_TOKENS);
    auto text = json{{"id", id}, {"objects", objects}}.dump();
    std::string err;
    auto s = t.delete_objects(host_->ctx(), id_, text.c_str(), &detail::appendToString, &err);
    if (s != CA_OK) detail::fail(s, "tokens.delete_objects", err);
}

// ---- Translations anywhere in a plugin -------------------------------------------------------
// certagent::sdk::tr("text") translates with the agent's catalog (certagent.text/1) once the
// plugin instance exists (its Host registers itself); before that, and without the extension,
// it returns the msgid. Define CERTAGENT_SDK_GETTEXT before including this header to get the
// usual _("...") and N_("...") macros (the agent's xgettext run extracts them from plugins/).
namespace detail {
struct TextHost {
    std::atomic<const ca_host*> host{nullptr};
};
inline TextHost& textHost() {
    static TextHost t;
    return t;
}
}  // namespace detail

inline const char* tr(const char* msgid) {
    const ca_host* h = detail::textHost().host.load();
    if (!h) return msgid;
    auto* t = static_cast<const ca_text_v1*>(h->get_extension(h->ctx, CA_EXT_TEXT));
    return t ? t->translate(h->ctx, msgid) : msgid;
}
inline const char* trn(const char* singular, const char* plural, unsigned long n) {
    const ca_host* h = detail::textHost().host.load();
    auto* t = h ? static_cast<const ca_text_v1*>(h->get_extension(h->ctx, CA_EXT_TEXT)) : nullptr;
    return t ? t->translate_plural(h->ctx, singular, plural, n) : (n == 1 ? singular : plural);
}

// ---- Plugins --------------------------------------------------------------------------------

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

// A vendor's tokens. profile() is data (docs/tokens.md "Token profile").
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
    // [not UI] Quick: the menu waits for it.
    virtual json menuItems(const json& /*context*/) { return json::array(); }
    // [not UI] May block on the network, the token or the person.
    virtual json runAction(const std::string& id, const json& args) = 0;
};

enum class Kind { token = CA_PLUGIN_TOKEN, flow = CA_PLUGIN_FLOW };

namespace detail {

// The plugin object plus the Host wrapper it uses; destroyed together (plugin first).
template <typename T>
struct Instance {
    Instance(const ca_host* h, const char* name) : host(h, name), plugin(registered(host)) {}
    ~Instance() { textHost().host.store(nullptr); }
    static Host& registered(Host& h) {
        textHost().host.store(h.raw());
        return h;
    }
    Host host;
    T plugin;
};

template <typename Fn>
ca_status guarded(Fn&& fn, ca_sink_fn sink = nullptr, void* user = nullptr) noexcept {
    auto fail = [&](ca_status s, const char* what, const std::string& code = {}) {
        if (sink) {
            json err = {{"message", what}};
            if (!code.empty()) err["code"] = code;
            std::string msg = json{{"error", err}}.dump();
            sink(user, msg.data(), msg.size());
        }
        return s;
    };
    try {
        return fn();
    } catch (const PluginError& e) {
        return fail(e.status(), e.what());
    } catch (const HostError& e) {
        // A host failure the plugin did not handle keeps its status and code.
        return fail(e.status(), e.what(), e.code());
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
    static ca_status create(const ca_host* host, void** out, char* err, size_t err_len) noexcept {
        auto say = [&](const char* what) {
            if (err && err_len) {
                std::strncpy(err, what, err_len - 1);
                err[err_len - 1] = '\0';
            }
        };
        try {
            if (!host || host->struct_size < sizeof(ca_host) ||
                host->abi_major != CERTAGENT_SDK_ABI_MAJOR) {
                say("host ABI mismatch");
                return CA_ERR_ABI;
            }
            *out = new Instance<T>(host, entry().info.name);
            return CA_OK;
        } catch (const std::exception& e) {
            say(e.what());
            return CA_ERR_EXCEPTION;
        } catch (...) {
            say("unknown exception");
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

    static const ca_plugin_entry& entry(const char* name = nullptr, const char* version = nullptr,
                                        const char* description = nullptr) {
        static const ca_token_vtable token_vt{sizeof(ca_token_vtable), &profile, &claim};
        static const ca_flow_vtable flow_vt{sizeof(ca_flow_vtable), &menuItems, &runAction};
        static const ca_plugin_entry e{
            sizeof(ca_plugin_entry),
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

// Exports the plugin's versioned entry point. kind: token or flow. A host of another ABI major
// gets NULL (the plugin refuses it); the host also checks the major recorded in the entry.
#ifdef CERTAGENT_SDK_GETTEXT
#define _(s) ::certagent::sdk::tr(s)
#define N_(s) s
#endif

#define CERTAGENT_PLUGIN(Class, kind, name, version, description)                               \
    static_assert(std::is_base_of_v<::certagent::sdk::Plugin, Class>,                           \
                  "CERTAGENT_PLUGIN: " #Class " must derive from TokenPlugin or FlowPlugin");   \
    extern "C" CA_EXPORT const ca_plugin_entry* certagent_plugin_entry(uint16_t host_major,     \
                                                                       uint16_t /*minor*/) {    \
        if (host_major != CERTAGENT_SDK_ABI_MAJOR) return nullptr;                              \
        return &::certagent::sdk::detail::Entry<Class, ::certagent::sdk::Kind::kind>::entry(    \
            name, version, description);                                                        \
    }
