// timestamps: RFC 3161 timestamps as a flow plugin (docs/timestamps.md). It is the agent's
// timestamp provider (certagent.providers/1: signatures with "timestamp" ask it), makes and
// verifies detached FILE.tsr files, keeps the quota and the history in its own database, and
// gives the tray its "Mărci temporale" items: the quota line and "Timestamp a file…".
//
// Actions (the tray, and certagent-cli timestamp through runFlow):
//   stamp-file {path, overwrite?}   -> the stamp result (stamp.hpp toJson) + message
//   verify     {path, tsr?}         -> {file, tsr, valid, time, tsa_serial, tsa, policy,
//                                       hash_algorithm}
//   quota      {token?, cert?}      -> the cached quota; with a token and certificate, the CA
//                                      portal's answer first (login through the agent's prompt)
//   history    {limit?}             -> {items: [...]}, newest first
#include <certagent/sdk/plugin.hpp>

#include <deque>
#include <memory>
#include <mutex>
#include <optional>

#include "host_transport.hpp"
#include "src/client.hpp"
#include "src/ossl.hpp"
#include "src/quota.hpp"
#include "src/stamp.hpp"
#include "src/store.hpp"
#include "src/text.hpp"
#include "src/tsa_error.hpp"
#include "src/verify.hpp"

namespace certagent::timestamps {
namespace {

using sdk::json;
using sdk::PluginError;

std::string base64(std::span<const uint8_t> in) {
    std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), in.data(),
                            static_cast<int>(in.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

std::string stringArg(const json& args, const char* key) {
    auto it = args.find(key);
    return it != args.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A TsaError as the agent shows an action's failure: the network may be tried again.
[[noreturn]] void rethrow(const TsaError& e) {
    throw PluginError(e.retryable() ? CA_ERR_RETRY : CA_ERR_FAILED, e.describe());
}

class TimestampsFlow final : public sdk::FlowPlugin {
public:
    explicit TimestampsFlow(sdk::Host& host) : FlowPlugin(host), transport_(host) {
        try {
            host.registerTimestamper(&TimestampsFlow::provide, this);
        } catch (const sdk::HostError& e) {
            host.warn(std::string("not the timestamp provider: ") + e.what());
        }
        // A signature's timestamps enter the history once the signed file is saved.
        try {
            host.events().subscribe("DocumentSigned",
                                    [this](const json& e) { onDocumentSigned(e); });
        } catch (const sdk::HostError& e) {
            host.warn(std::string("signature timestamps are not recorded: ") + e.what());
        }
    }

    json menuItems(const json&) override {
        auto quota = quotaJson();
        json items = json::array();
        // An information line ("Timestamps left: 12"), then the action; "input": "file" asks
        // the tray to pick a file and pass it as args.path.
        items.push_back({{"id", "quota"},
                         {"label", quota["label"]},
                         {"enabled", false},
                         {"section", "timestamps"},
                         {"low", quota.value("low", false)}});
        items.push_back({{"id", "stamp-file"},
                         {"label", quota["action_label"]},
                         {"enabled", !quota.value("known", false) ||
                                         quota.value("remaining", 1LL) > 0},
                         {"section", "timestamps"},
                         {"input", "file"}});
        return items;
    }

    json runAction(const std::string& id, const json& args) override {
        try {
            if (id == "stamp-file") return stampFileAction(args);
            if (id == "verify") return verifyAction(args);
            if (id == "quota") return quotaAction(args);
            if (id == "history") return historyAction(args);
        } catch (const TsaError& e) {
            rethrow(e);
        }
        throw PluginError(CA_ERR_NOT_FOUND, "no such action: " + id);
    }

private:
    struct Obtained {
        std::string token;  // base64 DER, as DocumentSigned carries it
        Timestamp timestamp;
    };

    std::time_t now() const { return static_cast<std::time_t>(host().nowMs() / 1000); }

    json config(const std::string& key) const { return host().config(key); }
    std::string configText(const std::string& key) const {
        auto v = config(key);
        return v.is_string() ? v.get<std::string>() : std::string();
    }
    long long lowQuota() const {
        auto v = config("timestamps.low_quota");
        return v.is_number_integer() ? v.get<long long>() : 10;
    }

    TsaSettings settings() const {
        return settingsFrom([this](const std::string& key) { return config(key); });
    }

    Store& store() {
        std::lock_guard lock(store_mutex_);
        if (!store_)
            store_ = std::make_unique<Store>(std::filesystem::path(host().stateFolder()) /
                                             "timestamps.db");
        return *store_;
    }

    // The reminder when few timestamps are left (once per crossing, store.hpp).
    void remind(const Quota& q) {
        host().notify(
            {{"title", _("Timestamps running low")},
             {"body", q.remaining <= 0
                          ? std::string(_("No timestamps are left on your account. Buy more "
                                          "from your CA (\"Mărci temporale\")."))
                          : say(_("Only {0} timestamps are left on your account. Buy more from "
                                  "your CA (\"Mărci temporale\") before they run out."),
                                q.remaining)},
             {"urgency", q.remaining <= 0 ? "critical" : "normal"},
             {"remaining", q.remaining}});
        host().info(say("low timestamp quota: {0} left", q.remaining));
    }

    void noteQuotaOf(const Timestamp& ts) {
        try {
            noteQuota(store(), ts, lowQuota(), [this](const Quota& q) { remind(q); }, now());
        } catch (const std::exception& e) {
            host().warn(std::string("cannot record the timestamp quota: ") + e.what());
        }
    }

    json quotaJson() {
        const long long low = lowQuota();
        std::optional<Quota> q;
        try {
            q = store().quota();
        } catch (const std::exception& e) {
            host().warn(e.what());
        }
        json j = {{"title", _("Timestamps")}, {"action_label", _("Timestamp a file…")},
                  {"low_quota", low}};
        if (!q) {
            j["known"] = false;
            j["label"] = _("Timestamps: quota unknown");
            return j;
        }
        j.update(toJson(*q));
        j["known"] = true;
        j["low"] = q->remaining < low;
        j["label"] = say(_("Timestamps left: {0}"), q->remaining);
        return j;
    }

    json stampFileAction(const json& args) {
        auto path = stringArg(args, "path");
        if (path.empty())
            throw PluginError(CA_ERR_INVALID_ARGUMENT, _("no file was given to timestamp"));
        auto s = settings();
        // A client certificate on the token for an https:// TSA: its session lives for the call.
        std::optional<sdk::TokenSession> session;
        if (auto token = configText("timestamps.client_token");
            !token.empty() && s.url.rfind("https://", 0) == 0) {
            session.emplace(host().openToken(token, true, "timestamps"));
            s.clientCertificate = {{"session", session->id()},
                                   {"id", configText("timestamps.client_cert")}};
        }
        TsaClient client(s, transport_, [this] { return now(); });
        auto result = stampFile(client, &store(), path, args.value("overwrite", false), now());
        noteQuotaOf(result.timestamp);
        host().info(say("timestamp {0} from {1} at {2} for {3}", result.timestamp.info.serialHex,
                        result.timestamp.url, result.timestamp.info.genTime,
                        result.file.string()));
        auto j = toJson(result);
        // What the tray shows once it is done.
        j["message"] = say(_("Timestamped {0}.\nThe timestamp is saved as {1}."),
                           result.file.string(), result.tsr.string());
        return j;
    }

    json verifyAction(const json& args) {
        auto path = stringArg(args, "path");
        if (path.empty())
            throw PluginError(CA_ERR_INVALID_ARGUMENT, _("no file was given to timestamp"));
        std::filesystem::path tsr = stringArg(args, "tsr");
        if (tsr.empty()) tsr = tsrPathFor(path);
        auto info = verifyFile(path, tsr, configText("timestamps.ca_bundle"));
        return {{"file", path},
                {"tsr", tsr.string()},
                {"valid", true},
                {"time", info.genTime},
                {"tsa_serial", info.serialHex},
                {"tsa", info.tsaSubject},
                {"policy", info.policyOid},
                {"hash_algorithm", info.hashAlgorithm}};
    }

    json quotaAction(const json& args) {
        auto token = stringArg(args, "token"), cert = stringArg(args, "cert");
        if (token.empty() != cert.empty())
            throw PluginError(CA_ERR_INVALID_ARGUMENT,
                              _("the quota from the CA needs both the token and the certificate"));
        if (!token.empty()) {
            auto session = host().openToken(token, true, "timestamps");
            auto q = fetchPortalQuota(transport_, configText("renewal.portal_url"),
                                      configText("renewal.ca_bundle"),
                                      {{"session", session.id()}, {"id", cert}}, now());
            store().updateQuota(q, lowQuota(), [this](const Quota& low) { remind(low); });
        }
        return quotaJson();
    }

    json historyAction(const json& args) {
        int limit = args.value("limit", 100);
        json items = json::array();
        for (const auto& e : store().history(limit)) items.push_back(toJson(e));
        return {{"items", items}};
    }

    // certagent.providers/1: a signature's timestamp ([job thread or the caller's]).
    static ca_status provide(void* user, const uint8_t* data, size_t len, ca_sink_fn sink,
                             void* sink_user) noexcept {
        auto fail = [&](ca_status s, const std::string& code, const std::string& message) {
            try {
                auto text = json{{"error", {{"code", code}, {"message", message}}}}.dump();
                sink(sink_user, text.data(), text.size());
            } catch (...) {
            }
            return s;
        };
        try {
            auto* self = static_cast<TimestampsFlow*>(user);
            auto ts = self->stampSignature(std::span<const uint8_t>(data, len));
            sink(sink_user, reinterpret_cast<const char*>(ts.token.data()), ts.token.size());
            return CA_OK;
        } catch (const TsaError& e) {
            return fail(e.retryable() ? CA_ERR_RETRY : CA_ERR_FAILED, tsaFailureName(e.failure()),
                        e.describe());
        } catch (const PluginError& e) {
            return fail(e.status(), "failed", e.what());
        } catch (const std::exception& e) {
            return fail(CA_ERR_FAILED, "internal", e.what());
        } catch (...) {
            return fail(CA_ERR_FAILED, "internal", "unknown failure");
        }
    }

    Timestamp stampSignature(std::span<const uint8_t> signature_value) {
        TsaClient client(settings(), transport_, [this] { return now(); });
        auto ts = client.timestampData(signature_value);
        {
            std::lock_guard lock(obtained_mutex_);
            obtained_.push_back({base64(ts.token), ts});
            while (obtained_.size() > kObtainedKept) obtained_.pop_front();
        }
        noteQuotaOf(ts);
        host().info(say("timestamp {0} from {1} at {2} for a signature", ts.info.serialHex,
                        ts.url, ts.info.genTime));
        return ts;
    }

    // [event thread] Only the agent's own event (a plugin's carries "source"), and only
    // tokens this plugin answered.
    void onDocumentSigned(const json& e) {
        if (e.contains("source") || !e.contains("timestamps") || !e["timestamps"].is_array())
            return;
        auto file = stringArg(e, "file");
        for (const auto& t : e["timestamps"]) {
            if (!t.is_string()) continue;
            std::optional<Timestamp> ts;
            {
                std::lock_guard lock(obtained_mutex_);
                for (auto it = obtained_.begin(); it != obtained_.end(); ++it)
                    if (it->token == t.get<std::string>()) {
                        ts = std::move(it->timestamp);
                        obtained_.erase(it);
                        break;
                    }
            }
            if (!ts) continue;
            try {
                store().addHistory(historyEntry(*ts, "signature", file, now()));
            } catch (const std::exception& ex) {
                host().warn(std::string("cannot record the signature's timestamp: ") + ex.what());
            }
        }
    }

    static constexpr std::size_t kObtainedKept = 64;  // signatures in flight, at most

    HostTransport transport_;
    std::mutex store_mutex_;
    std::unique_ptr<Store> store_;
    std::mutex obtained_mutex_;
    std::deque<Obtained> obtained_;
};

}  // namespace
}  // namespace certagent::timestamps

CERTAGENT_PLUGIN(certagent::timestamps::TimestampsFlow, flow, "timestamps", "2.0.0",
                 "RFC 3161 timestamps: the agent's timestamp provider, FILE.tsr, quota, history")
