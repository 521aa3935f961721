// certagent.tokens/1, certagent.documents/1, certagent.http/1 and certagent.x509/1 over the
// agent's areas (and certagent.process/1, process_extension.cpp).
#include "certagent/core/app/extensions.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <atomic>
#include <map>
#include <mutex>

#include "certagent/core/clock.hpp"
#include "certagent/core/error.hpp"
#include "certagent/core/host_boundary.hpp"
#include "certagent/core/http/client.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"
#include "certagent/core/secret.hpp"
#include "certagent/core/pdf/inspect.hpp"
#include "certagent/core/signing/report.hpp"
#include "certagent/core/signing/sign_document.hpp"
#include "certagent/core/signing/verify.hpp"
#include "certagent/core/token/agent_tokens.hpp"
#include "certagent/core/token/certificate_parser.hpp"
#include "certagent/core/token/openssl_handles.hpp"
#include "certagent/core/token/token_json.hpp"
#include "process_extension.hpp"

namespace certagent::app {
namespace {
namespace fs = std::filesystem;
using json = nlohmann::json;

// ---- boundary helpers -----------------------------------------------------------------------
using boundary::emit;
using boundary::guarded;
using boundary::parseArgs;

void emitBytes(ca_sink_fn sink, void* user, const token::Bytes& b) {
    if (sink) sink(user, reinterpret_cast<const char*>(b.data()), b.size());
}

std::string requireString(const json& a, const char* key) {
    auto it = a.find(key);
    if (it == a.end() || !it->is_string() || it->get<std::string>().empty())
        throw Error(ErrorKind::InvalidInput,
                    fmt::format(fmt::runtime(_("the argument \"{0}\" is missing")), key));
    return it->get<std::string>();
}

int mdNid(const std::string& hash) {
    if (hash == "sha256") return NID_sha256;
    if (hash == "sha384") return NID_sha384;
    if (hash == "sha512") return NID_sha512;
    throw Error(ErrorKind::InvalidInput, fmt::format(fmt::runtime(_("unknown hash {0}")), hash));
}

// ---- the shared state -------------------------------------------------------------------
// An HTTP client kept for a session ("keep": true), with the certificate it presents.
struct KeptClient {
    token::X509Ptr cert;
    std::unique_ptr<http::CurlClient> client;
};
struct Session {
    std::string plugin;
    std::unique_ptr<token::TokenService> service;
    std::unique_ptr<token::TokenSession> session;
    // By certificate id, CA bundle and timeout; used under the session's lock, released with
    // the session (before it, being declared after it: clients borrow its key).
    std::map<std::string, KeptClient> clients;
};

class ExtensionsImpl final : public Extensions {
public:
    explicit ExtensionsImpl(Agent& agent) : agent_(agent) {}

    void setPin(token::PinCallback pin) override {
        std::lock_guard lock(mutex_);
        pin_ = std::move(pin);
    }
    token::PinCallback pin() const {
        std::lock_guard lock(mutex_);
        if (pin_) return pin_;
        return [](const token::PinRequest&) -> std::optional<SecretString> {
            throw Error(ErrorKind::Cancelled, _("this program cannot ask for the PIN"));
        };
    }

    Agent& agent() { return agent_; }

    uint64_t add(const std::string& plugin, Session s) {
        s.plugin = plugin;
        std::lock_guard lock(mutex_);
        uint64_t id = next_++;
        sessions_[id] = std::make_shared<Session>(std::move(s));
        return id;
    }
    // The session, if it is this plugin's.
    std::shared_ptr<Session> find(const std::string& plugin, uint64_t id) {
        std::lock_guard lock(mutex_);
        auto it = sessions_.find(id);
        if (it == sessions_.end() || it->second->plugin != plugin)
            throw Error(ErrorKind::InvalidInput,
                        fmt::format(fmt::runtime(_("no open token session {0}")), id));
        return it->second;
    }
    void close(const std::string& plugin, uint64_t id) {
        std::shared_ptr<Session> gone;
        std::lock_guard lock(mutex_);
        auto it = sessions_.find(id);
        if (it == sessions_.end() || it->second->plugin != plugin) return;
        gone = std::move(it->second);
        sessions_.erase(it);
    }
    void closeAll(const std::string& plugin) {
        std::vector<std::shared_ptr<Session>> gone;
        std::lock_guard lock(mutex_);
        for (auto it = sessions_.begin(); it != sessions_.end();) {
            if (it->second->plugin == plugin) {
                gone.push_back(std::move(it->second));
                it = sessions_.erase(it);
            } else {
                ++it;
            }
        }
    }

private:
    Agent& agent_;
    mutable std::mutex mutex_;
    token::PinCallback pin_;
    std::map<uint64_t, std::shared_ptr<Session>> sessions_;
    uint64_t next_ = 1;
};

ExtensionsImpl& ext(void* ctx) {
    auto* data = pluginContext(ctx).services->extensionData(CA_EXT_TOKENS);
    if (!data) throw Error(ErrorKind::Internal, "no tokens extension");
    return *static_cast<ExtensionsImpl*>(data);
}
const std::string& who(void* ctx) { return pluginContext(ctx).name; }

// A token as list() and info() describe it, with the key types its profile can generate.
json describedToken(Agent& agent, const token::TokenInfo& t) {
    auto j = token::tokenJson(t);
    json types = json::array();
    bool holdWhileIdle = true;
    for (const auto& p : token::tokenProfiles(agent))
        if (p.name == t.plugin) {
            for (auto k : p.keyTypes) types.push_back(token::keyTypeName(k));
            holdWhileIdle = !p.quirkFlags.closeSessionsWhenIdle;
        }
    j["key_types"] = types;
    // False where another program's session breaks while ours stays open (ePass2003's secure
    // messaging, docs/tokens.md "close_sessions_when_idle"): a plugin must not keep a session
    // open while it waits for something else (a CA, a person).
    j["may_hold_while_idle"] = holdWhileIdle;
    return j;
}

// ---- certagent.tokens/1 -----------------------------------------------------------------
ca_status tkList(void* ctx, ca_sink_fn sink, void* user) {
    return guarded(sink, user, [&] {
        auto& agent = ext(ctx).agent();
        auto service = token::makeTokenService(agent);
        json out = json::array();
        for (const auto& t : service->tokens()) out.push_back(describedToken(agent, t));
        emit(sink, user, out);
        return CA_OK;
    });
}

ca_status tkCertificates(void* ctx, const char* args_json, ca_sink_fn sink, void* user) {
    return guarded(sink, user, [&] {
        auto a = parseArgs(args_json);
        auto& agent = ext(ctx).agent();
        auto service = token::makeTokenService(agent);
        std::optional<std::string> serial;
        if (a.contains("token") && a["token"].is_string()) serial = a["token"].get<std::string>();
        json out = json::array();
        for (const auto& c : service->certificates(serial))
            out.push_back(token::certificateJson(c, agent.clock().now(),
                                                 service->options().expiringWithinDays, true));
        emit(sink, user, out);
        return CA_OK;
    });
}

ca_status tkOpen(void* ctx, const char* args_json, uint64_t* out, ca_sink_fn sink, void* user) {
    return guarded(sink, user, [&] {
        if (!out) return CA_ERR_INVALID_ARGUMENT;
        auto a = parseArgs(args_json);
        auto& e = ext(ctx);
        if (pluginContext(ctx).stopping) return CA_ERR_DENIED;
        Session s;
        s.service = token::makeTokenService(e.agent());
        s.session = s.service->open(requireString(a, "token"));
        if (a.value("login", false)) s.session->login(e.pin());
        *out = e.add(who(ctx), std::move(s));
        return CA_OK;
    });
}

void tkClose(void* ctx, uint64_t id) {
    try {
        ext(ctx).close(who(ctx), id);
    } catch (...) {
    }
}

ca_status tkInfo(void* ctx, uint64_t id, ca_sink_fn sink, void* user) {
    return guarded(sink, user, [&] {
        auto& e = ext(ctx);
        auto s = e.find(who(ctx), id);
        auto lock = s->session->lock();
        emit(sink, user, describedToken(e.agent(), s->session->refresh()));
        return CA_OK;
    });
}

ca_status tkSignDigest(void* ctx, uint64_t id, const char* args_json, const uint8_t* digest,
                       size_t len, ca_sink_fn sink, void* user) {
    return guarded(sink, user, [&] {
        auto a = parseArgs(args_json);
        if (!digest || !len) throw Error(ErrorKind::InvalidInput, _("no digest to sign"));
        auto s = ext(ctx).find(who(ctx), id);
        auto lock = s->session->lock();
        EVP_PKEY* key = s->session->privateKey(token::fromHex(requireString(a, "id")));
        const EVP_MD* md = EVP_get_digestbynid(mdNid(a.value("hash", std::string("sha256"))));
        if (static_cast<size_t>(EVP_MD_get_size(md)) != len)
            throw Error(ErrorKind::InvalidInput, _("the digest does not match its hash"));
        std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> pctx(
            EVP_PKEY_CTX_new(key, nullptr), &EVP_PKEY_CTX_free);
        size_t siglen = 0;
        if (!pctx || EVP_PKEY_sign_init(pctx.get()) <= 0 ||
            (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA &&
             EVP_PKEY_CTX_set_rsa_padding(pctx.get(), RSA_PKCS1_PADDING) <= 0) ||
            EVP_PKEY_CTX_set_signature_md(pctx.get(), md) <= 0 ||
            EVP_PKEY_sign(pctx.get(), nullptr, &siglen, digest, len) <= 0)
            throw Error(ErrorKind::Token, _("the token could not sign"));
        token::Bytes sig(siglen);
        if (EVP_PKEY_sign(pctx.get(), sig.data(), &siglen, digest, len) <= 0)
            throw Error(ErrorKind::Token, _("the token could not sign"));
        sig.resize(siglen);
        emitBytes(sink, user, sig);
        return CA_OK;
    });
}

ca_status tkGenerate(void* ctx, uint64_t id, const char* args_json, ca_sink_fn sink, void* user) {
    return guarded(sink, user, [&] {
        auto a = parseArgs(args_json);
        auto type = token::parseKeyType(requireString(a, "key_type"));
        if (!type) throw Error(ErrorKind::InvalidInput, _("unknown key type"), a["key_type"].dump());
        auto s = ext(ctx).find(who(ctx), id);
        auto lock = s->session->lock();
        auto kp = s->session->generateKeyPair(*type, a.value("label", std::string()));
        auto pub = s->session->publicKey(kp.id);
        auto der = token::derOf<i2d_PUBKEY>(pub.get());
        if (der.empty()) throw Error(ErrorKind::Token, _("the new public key cannot be read"));
        emit(sink, user, {{"id", token::toHex(kp.id)}, {"label", kp.label},
                          {"public_key", token::base64(der)}});
        return CA_OK;
    });
}

ca_status tkCsr(void* ctx, uint64_t id, const char* args_json, ca_sink_fn sink, void* user) {
    return guarded(sink, user, [&] {
        auto a = parseArgs(args_json);
        token::CsrRequest req;
        for (const auto& kv : a.value("subject", json::array()))
            req.subject.emplace_back(kv.at(0).get<std::string>(), kv.at(1).get<std::string>());
        for (const auto& kv : a.value("extensions", json::array()))
            req.extensions.emplace_back(kv.at(0).get<std::string>(), kv.at(1).get<std::string>());
        req.digest = a.value("hash", std::string("sha256"));
        auto s = ext(ctx).find(who(ctx), id);
        auto lock = s->session->lock();
        emitBytes(sink, user, s->session->createCsr(token::fromHex(requireString(a, "id")), req));
        return CA_OK;
    });
}

ca_status tkPublicKey(void* ctx, uint64_t id, const char* args_json, ca_sink_fn sink,
                      void* user) {
    return guarded(sink, user, [&] {
        auto a = parseArgs(args_json);
        auto s = ext(ctx).find(who(ctx), id);
        auto lock = s->session->lock();
        auto pub = s->session->publicKey(token::fromHex(requireString(a, "id")));
        auto der = token::derOf<i2d_PUBKEY>(pub.get());
        if (der.empty()) throw Error(ErrorKind::Token, _("the public key cannot be read"));
        emitBytes(sink, user, der);
        return CA_OK;
    });
}

ca_status tkWriteCertificate(void* ctx, uint64_t id, const char* args_json, const uint8_t* der,
                             size_t len, ca_sink_fn sink, void* user) {
    return guarded(sink, user, [&] {
        auto a = parseArgs(args_json);
        if (!der || !len) throw Error(ErrorKind::InvalidInput, _("no certificate to write"));
        auto s = ext(ctx).find(who(ctx), id);
        auto lock = s->session->lock();
        s->session->installCertificate(token::fromHex(requireString(a, "id")),
                                       token::Bytes(der, der + len),
                                       a.value("label", std::string()));
        return CA_OK;
    });
}

ca_status tkDelete(void* ctx, uint64_t id, const char* args_json, ca_sink_fn sink, void* user) {
    return guarded(sink, user, [&] {
        auto a = parseArgs(args_json);
        auto keyId = token::fromHex(requireString(a, "id"));
        auto objects = a.value("objects", std::vector<std::string>{});
        for (const auto& o : objects)
            if (o != "certificate" && o != "private_key" && o != "public_key")
                throw Error(ErrorKind::InvalidInput,
                            fmt::format(fmt::runtime(_("unknown object kind {0}")), o));
        auto s = ext(ctx).find(who(ctx), id);
        auto lock = s->session->lock();
        for (const auto& o : objects) s->session->deleteObjects(o, keyId);
        return CA_OK;
    });
}

ca_status tkDeleteCertificate(void* ctx, uint64_t id, const char* args_json, const uint8_t* der,
                              size_t len, ca_sink_fn sink, void* user) {
    return guarded(sink, user, [&] {
        auto a = parseArgs(args_json);
        if (!der || !len) throw Error(ErrorKind::InvalidInput, _("no certificate to delete"));
        auto keyId = token::fromHex(requireString(a, "id"));
        auto s = ext(ctx).find(who(ctx), id);
        auto lock = s->session->lock();
        auto done = s->session->deleteCertificateAndKeys(keyId, token::Bytes(der, der + len));
        emit(sink, user,
             {{"certificates", done.certificates},
              {"private_keys", done.privateKeys},
              {"public_keys", done.publicKeys}});
        return CA_OK;
    });
}

const ca_tokens_v1 kTokens{sizeof(ca_tokens_v1),
                           &tkList,
                           &tkCertificates,
                           &tkOpen,
                           &tkClose,
                           &tkInfo,
                           &tkSignDigest,
                           &tkGenerate,
                           &tkCsr,
                           &tkPublicKey,
                           &tkWriteCertificate,
                           &tkDelete,
                           &tkDeleteCertificate};

// ---- certagent.documents/1 ----------------------------------------------------------------
ca_status dcSign(void* ctx, const char* request_json, ca_sink_fn sink, void* user) {
    return guarded(sink, user, [&] {
        auto a = parseArgs(request_json);
        auto& e = ext(ctx);
        signing::SignDocumentRequest r;
        r.in = requireString(a, "in");
        r.out = a.value("out", std::string());
        r.token = requireString(a, "token");
        r.certId = token::fromHex(requireString(a, "cert"));
        r.cades = a.value("cades", false);
        r.timestamp = a.value("timestamp", false);
        r.overwrite = a.value("overwrite", false);
        r.pdf.reason = a.value("reason", std::string());
        r.pdf.location = a.value("location", std::string());
        std::shared_ptr<Session> held;
        if (a.contains("session")) {
            held = e.find(who(ctx), a["session"].get<uint64_t>());
            if (held->session->token().serial != r.token)
                throw Error(ErrorKind::InvalidInput, _("the session is on another token"));
            r.session = held->session.get();
        }
        std::unique_lock<std::recursive_mutex> lock;
        if (held) lock = held->session->lock();
        auto result = signing::signDocument(e.agent(), r, e.pin());
        emit(sink, user, {{"out", result.out.string()}, {"profile", result.profile}});
        return CA_OK;
    });
}

ca_status dcVerify(void* ctx, const char* request_json, ca_sink_fn sink, void* user) {
    return guarded(sink, user, [&] {
        auto a = parseArgs(request_json);
        auto& agent = ext(ctx).agent();
        std::optional<fs::path> data;
        if (a.contains("data") && a["data"].is_string()) data = a["data"].get<std::string>();
        fs::path file = requireString(a, "path");
        auto input = signing::resolveVerifyInput(file, data);
        auto store = signing::trustStoreFromConfig(agent.config(), agent.stateDir());
        auto j = signing::toJson(signing::verifyInput(input, store.get()));
        j["file"] = file.string();
        emit(sink, user, j);
        return CA_OK;
    });
}

ca_status dcInspect(void* ctx, const char* request_json, ca_sink_fn sink, void* user) {
    return guarded(sink, user, [&] {
        auto a = parseArgs(request_json);
        (void)ext(ctx);
        auto info = pdf::inspectPdf(requireString(a, "path"));
        const double dpi = info.minImageDpi();
        const double wanted = a.value("min_dpi", 0.0);
        emit(sink, user, {{"file_size", info.file_size},
                          {"pages", info.page_count},
                          {"version", info.pdf_version},
                          {"encrypted", info.encrypted},
                          {"min_image_dpi", dpi},
                          {"resolution_ok", dpi <= 0 || wanted <= 0 ||
                                                pdf::meetsResolution(dpi, wanted)}});
        return CA_OK;
    });
}

const ca_documents_v1 kDocuments{sizeof(ca_documents_v1), &dcSign, &dcVerify, &dcInspect};

// ---- certagent.http/1 ---------------------------------------------------------------------
ca_status htRequest(void* ctx, const char* request_json, const uint8_t* body, size_t body_len,
                    ca_sink_fn body_sink, void* body_user, ca_sink_fn meta_sink,
                    void* meta_user) {
    return guarded(meta_sink, meta_user, [&] {
        auto a = parseArgs(request_json);
        auto& e = ext(ctx);
        http::ClientOptions o;
        if (auto b = a.value("ca_bundle", std::string()); !b.empty()) o.caBundle = b;
        if (a.contains("timeout_ms"))
            o.timeout = std::chrono::milliseconds(
                std::clamp<int64_t>(a["timeout_ms"].get<int64_t>(), 100, 600'000));
        if (a.contains("max_bytes"))
            o.maxResponseBytes = static_cast<size_t>(
                std::clamp<int64_t>(a["max_bytes"].get<int64_t>(), 1, 256ll << 20));
        // true / "loopback": plain http:// to this computer only; "any": to any host, and then
        // never with an Authorization header (core's client refuses it).
        if (auto ph = a.find("allow_plain_http"); ph != a.end()) {
            if (ph->is_boolean()) o.allowPlainHttpToLoopback = ph->get<bool>();
            else if (ph->is_string() && *ph == "loopback") o.allowPlainHttpToLoopback = true;
            else if (ph->is_string() && *ph == "any") o.allowPlainHttpToAnyHost = true;
        }
        std::optional<http::CurlClient> local;
        http::CurlClient* client = nullptr;
        http::Request r;
        r.method = a.value("method", std::string("GET"));
        r.url = requireString(a, "url");
        if (auto hs = a.find("headers"); hs != a.end() && hs->is_object())
            for (const auto& [k, v] : hs->items()) {
                if (!v.is_string()) continue;
                const auto& text = v.get_ref<const std::string&>();
                if (k == "Content-Type" || k == "content-type") r.contentType = text;
                else r.headers.push_back(k + ": " + text);
            }
        // Headers may carry credentials (HTTP basic): wiped once sent, whatever happened.
        struct Wipe {
            http::Request& r;
            json& a;
            ~Wipe() {
                for (auto& h : r.headers) secureWipe(h.data(), h.size());
                if (auto hs = a.find("headers"); hs != a.end() && hs->is_object())
                    for (auto& v : *hs)
                        if (v.is_string()) {
                            auto& text = v.get_ref<std::string&>();
                            secureWipe(text.data(), text.size());
                        }
            }
        } wipe{r, a};
        if (body && body_len) r.body.assign(reinterpret_cast<const char*>(body), body_len);
        std::shared_ptr<Session> held;
        std::unique_lock<std::recursive_mutex> lock;
        token::X509Ptr cert;
        if (auto cc = a.find("client_certificate"); cc != a.end() && cc->is_object()) {
            held = e.find(who(ctx), cc->at("session").get<uint64_t>());
            lock = held->session->lock();
            const auto idHex = requireString(*cc, "id");
            // "keep": one client (one connection, one TLS session) per certificate, bundle and
            // timeout for the session's life; otherwise a client for this request only.
            const auto key = a.value("keep", false)
                                 ? fmt::format("{}|{}|{}", idHex, o.caBundle.string(),
                                               o.timeout.count())
                                 : std::string();
            if (auto kept = held->clients.find(key); !key.empty() && kept != held->clients.end()) {
                client = kept->second.client.get();
            } else {
                auto id = token::fromHex(idHex);
                auto der = held->session->certificate(id);
                if (!der) throw Error(ErrorKind::InvalidInput, _("no certificate with that id"));
                const unsigned char* p = der->data();
                cert.reset(d2i_X509(nullptr, &p, static_cast<long>(der->size())));
                if (key.empty()) {
                    client = &local.emplace(o);
                    client->setClientCertificate(cert.get(), held->session->privateKey(id));
                } else {
                    auto fresh = std::make_unique<http::CurlClient>(o);
                    fresh->setClientCertificate(cert.get(), held->session->privateKey(id));
                    client = fresh.get();
                    held->clients[key] = {std::move(cert), std::move(fresh)};
                }
            }
        } else {
            client = &local.emplace(o);
        }
        auto resp = client->perform(r);
        if (body_sink) body_sink(body_user, resp.body.data(), resp.body.size());
        json headers = json::object();
        for (const auto& [k, v] : resp.headers) headers[k] = v;
        emit(meta_sink, meta_user, {{"status", resp.status}, {"headers", headers}});
        return CA_OK;
    });
}

const ca_http_v1 kHttp{sizeof(ca_http_v1), &htRequest};

// ---- certagent.x509/1 ---------------------------------------------------------------------
ca_status xDescribe(void*, const uint8_t* der, size_t len, ca_sink_fn sink, void* user) {
    return guarded(sink, user, [&] {
        if (!der || !len) throw Error(ErrorKind::InvalidInput, _("no certificate to describe"));
        auto c = token::parseCertificate(token::Bytes(der, der + len));
        emit(sink, user, {{"subject", c.subject},
                          {"issuer", c.issuer},
                          {"common_name", c.commonName},
                          {"serial", c.serialHex},
                          {"not_before", toIso8601(c.notBefore)},
                          {"not_after", c.notAfterText()},
                          {"no_expiry", c.noExpiry},
                          {"key_algorithm", c.keyAlgorithm},
                          {"key_bits", c.keyBits},
                          {"key_usage", c.keyUsage},
                          {"policies", c.policies},
                          {"qualified", c.qualified},
                          {"qc_compliance", c.qcCompliance},
                          {"qc_sscd", c.qcSscd}});
        return CA_OK;
    });
}

const ca_x509_v1 kX509{sizeof(ca_x509_v1), &xDescribe};

}  // namespace

Extensions* findExtensions(Agent& agent) {
    return static_cast<ExtensionsImpl*>(agent.services().extensionData(CA_EXT_TOKENS));
}

Extensions& installExtensions(Agent& agent) {
    auto impl = std::make_shared<ExtensionsImpl>(agent);
    auto& services = agent.services();
    services.registerExtension(CA_EXT_TOKENS, &kTokens, impl.get());
    services.registerExtension(CA_EXT_DOCUMENTS, &kDocuments, impl.get());
    services.registerExtension(CA_EXT_HTTP, &kHttp, impl.get());
    installProcessExtension(services);
    services.registerExtension(CA_EXT_X509, &kX509, impl.get());
    ExtensionsImpl* raw = impl.get();
    services.addReleaseHook([raw](const std::string& plugin) { raw->closeAll(plugin); });
    agent.keepAlive(impl);
    return *impl;
}

}  // namespace certagent::app
