#pragma once
// Internal to the engine: what Engine keeps (engine.cpp's Runner and engine_context.cpp read
// it). The renewal's token session, backend and the agent's extensions used by every step.
#include <certagent/sdk/plugin.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "backends.hpp"
#include "certificate_facts.hpp"
#include "engine.hpp"
#include "failure.hpp"
#include "text.hpp"

namespace certagent::renewal {

struct Engine::Impl {
    EngineDeps d;
    sdk::Host& host;
    Journal& journal;
    std::recursive_mutex mutex;  // one advance at a time

    // What one renewal keeps between advance() calls: one login, one backend.
    struct Live {
        std::string id;
        std::optional<sdk::TokenSession> session;
        std::unique_ptr<Backend> backend;
        // What the host says of the session's token (tokens info "may_hold_while_idle").
        bool mayHoldWhileIdle() const {
            if (!session) return true;
            try {
                return session->info().value("may_hold_while_idle", true);
            } catch (const std::exception&) {
                return false;  // the token went away: nothing worth holding
            }
        }
    };
    std::unique_ptr<Live> live;
    std::chrono::steady_clock::time_point lastAdvance{};
    int runDepth = 0;  // inside run(): advance() keeps the login between calls
    std::shared_ptr<Prompter> prompter = std::make_shared<DeferringPrompter>();
    std::string runSecret;   // RunOptions::sharedSecret while run() runs (wiped after)
    std::mutex phasesMutex;  // phasesOf() is also called outside advance() (list, menus)
    std::map<std::string, std::vector<Phase>> phases;

    explicit Impl(EngineDeps deps) : d(std::move(deps)), host(*d.host), journal(*d.journal) {
        if (!d.backendFactory)
            d.backendFactory = [h = &host](const std::string& name) {
                return makeBackend(name, [h](const std::string& key) { return h->config(key); });
            };
    }

    const std::vector<Phase>& phasesOf(const std::string& backend) {
        std::lock_guard lock(phasesMutex);
        auto it = phases.find(backend);
        if (it != phases.end()) return it->second;
        std::vector<Phase> list;
        try {
            list = d.backendFactory(backend)->phases();
        } catch (const std::exception&) {
            // an unknown backend has no phases to show
        }
        return phases[backend] = std::move(list);
    }

    nlohmann::json recordJson(const RenewalRecord& r) {
        auto j = r.toJson();
        j["stage"] = stageOf(r, phasesOf(r.backend));
        return j;
    }

    nlohmann::json progressEvent(const RenewalRecord& r) {
        return {{"type", "RenewalProgress"},
                {"renewal_id", r.id},
                {"token", r.token},
                {"cert", r.certId},
                {"step", stepName(r.step)},
                {"phase", r.phase},
                {"stage", stageOf(r, phasesOf(r.backend))},
                {"state", stateName(r.state)},
                {"prompt", promptName(r.prompt)},
                {"message", r.message},
                {"code", r.errorCode},
                {"final", isFinal(r.state)},
                {"declaration", r.declarationPath},
                {"payment_url", r.paymentUrl},
                {"ca_reference", r.caReference},
                {"old_certificate", oldCertificateName(r.oldCertificate)},
                {"next_attempt", r.nextAttempt}};
    }

    void publish(const RenewalRecord& r) {
        try {
            host.events().publish(progressEvent(r));
        } catch (const std::exception& e) {
            host.warn(std::string("progress not published: ") + e.what());
        }
    }

    void notify(const RenewalRecord& r, const std::string& title, const std::string& body,
                const char* urgency) {
        try {
            host.notify({{"title", title},
                         {"body", body},
                         {"urgency", urgency},
                         {"renewal_id", r.id},
                         {"token", r.token},
                         {"cert", r.certId}});
        } catch (const std::exception& e) {
            host.warn(std::string("notification failed: ") + e.what());
        }
    }

    CertificateFacts describe(const Bytes& der) {
        try {
            return CertificateFacts::fromJson(host.describeCertificate(der));
        } catch (const sdk::HostError& e) {
            throw fromHost(e);
        }
    }

    // The renewal's login: one PIN entry, one C_Login for everything after.
    sdk::TokenSession& session(Live& l, const RenewalRecord& r) {
        if (!l.session) l.session.emplace(host.openToken(r.token, true, "renewal"));
        return *l.session;
    }

    // The certificate objects on the token, by id (hex) -> DER; Failure(token_removed) when the
    // token is not there.
    std::map<std::string, Bytes> certificatesOn(const std::string& token) {
        std::map<std::string, Bytes> out;
        for (const auto& c : host.certificates({{"token", token}}))
            if (c.contains("der") && c["der"].is_string() && c.contains("id"))
                out[c.value("id", std::string())] = fromBase64(c["der"].get<std::string>());
        if (out.empty()) {
            bool present = false;
            for (const auto& t : host.tokens()) present |= t.value("serial", "") == token;
            if (!present)
                throw Failure(code::kTokenRemoved, _("the token is not connected"), token);
        }
        return out;
    }

    // Only the renewal's own candidate, and only while no certificate sits under its id.
    void removeCandidate(Live& l, RenewalRecord& r) {
        if (r.candidateKeyId.empty() || !l.session) return;
        try {
            if (certificatesOn(r.token).count(r.candidateKeyId)) return;
            l.session->deleteObjects(r.candidateKeyId, {"private_key", "public_key"});
            r.candidateKeyId.clear();
            journal.setValue(r.id, "csr_pem", "");
        } catch (const std::exception& e) {
            host.warn(std::string("could not remove the candidate key: ") + e.what());
        }
    }
};

}  // namespace certagent::renewal
