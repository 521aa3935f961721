#include "certagent/core/device/token_tracker.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "certagent/core/device/removal.hpp"
#include "certagent/core/error.hpp"
#include "certagent/core/events.hpp"
#include "certagent/core/log.hpp"

namespace certagent::device {

std::string tokenKey(const token::TokenInfo& info) {
    return info.module.string() + "\n" + info.serial;
}

TokenChanges diffTokens(const TokenSnapshot& before, const TokenSnapshot& after) {
    TokenChanges out;
    for (const auto& [key, state] : before)
        if (!after.count(key)) out.removed.push_back(state.info);
    for (const auto& [key, state] : after)
        if (!before.count(key)) out.inserted.push_back(state.info);
    return out;
}

std::vector<CertificateChange> diffCertificates(const TokenSnapshot& before,
                                                const TokenSnapshot& after) {
    std::vector<CertificateChange> out;
    static const std::map<std::string, std::string> kNone;
    for (const auto& [key, state] : after) {
        if (!state.certificatesRead) continue;
        auto it = before.find(key);
        // Before we had read nothing for this token: everything it holds is new to us. A token
        // whose earlier read failed is compared against nothing too.
        const auto& old = (it != before.end() && it->second.certificatesRead)
                              ? it->second.certificates
                              : kNone;
        CertificateChange c{state.info, {}, {}};
        for (const auto& [id, serial] : state.certificates) {
            auto o = old.find(id);
            if (o == old.end()) {
                c.added.push_back(id);
            } else if (o->second != serial) {  // replaced under the same CKA_ID
                c.removed.push_back(id);
                c.added.push_back(id);
            }
        }
        for (const auto& [id, serial] : old)
            if (!state.certificates.count(id)) c.removed.push_back(id);
        if (!c.added.empty() || !c.removed.empty()) out.push_back(std::move(c));
    }
    return out;
}

nlohmann::json tokenInsertedEvent(const token::TokenInfo& t, TimePoint time, bool initial) {
    nlohmann::json j{{"type", events::kTokenInserted},
                     {"serial", t.serial},
                     {"label", t.label},
                     {"plugin", t.plugin},
                     {"module", t.module.string()},
                     {"slot", t.slotId},
                     {"time", toIso8601(time)}};
    if (initial) j["initial"] = true;
    return j;
}

nlohmann::json tokenRemovedEvent(const token::TokenInfo& t, TimePoint time) {
    return {{"type", events::kTokenRemoved},
            {"serial", t.serial},
            {"label", t.label},
            {"plugin", t.plugin},
            {"module", t.module.string()},
            {"time", toIso8601(time)}};
}

nlohmann::json certificatesChangedEvent(const CertificateChange& c, TimePoint time) {
    return {{"type", events::kCertificatesChanged},
            {"serial", c.token.serial},
            {"plugin", c.token.plugin},
            {"module", c.token.module.string()},
            {"added", c.added},
            {"removed", c.removed},
            {"time", toIso8601(time)}};
}

TokenTracker::TokenTracker(EventBus& bus, Clock& clock, ServiceFactory factory)
    : bus_(bus), clock_(clock), factory_(std::move(factory)) {}

TokenSnapshot TokenTracker::snapshot() const {
    std::lock_guard lock(snapshotMutex_);
    return snapshot_;
}

TokenChanges TokenTracker::rescan(bool initial) {
    std::lock_guard rescanLock(rescanMutex_);
    const TimePoint started = clock_.now();
    TokenSnapshot before = snapshot();
    TokenSnapshot after;
    std::unique_ptr<token::TokenService> service;
    std::vector<std::filesystem::path> modules;
    try {
        service = factory_();
        modules = service->candidateModules();
    } catch (const std::exception& e) {
        // No service, no knowledge: keep the previous picture rather than report removals.
        log::warn("device", "rescan: {}", e.what());
        return {};
    }

    // Each module is listed on its own thread and its token events go out as soon as it
    // answers: a module that takes seconds (OpenSC probing a card it does not know) does not
    // hold back another module's token. Token events come before any certificate read.
    struct Done {
        std::size_t index;
        std::optional<std::vector<token::TokenInfo>> tokens;  // nullopt: enumeration failed
    };
    std::mutex doneMutex;
    std::condition_variable doneCv;
    std::vector<Done> finished;
    std::vector<std::thread> listers;
    struct JoinAll {  // also when publishing throws: no thread outlives what it refers to
        std::vector<std::thread>& threads;
        ~JoinAll() {
            for (auto& t : threads)
                if (t.joinable()) t.join();
        }
    } joinAll{listers};
    for (std::size_t i = 0; i < modules.size(); ++i)
        listers.emplace_back([&, i] {
            Done d{i, std::nullopt};
            try {
                d.tokens = service->tokensOfModule(i);
            } catch (const std::exception& e) {
                log::warn("device", "rescan of {}: {}", modules[i].string(), e.what());
            }
            std::lock_guard lock(doneMutex);
            finished.push_back(std::move(d));
            doneCv.notify_all();
        });
    TokenChanges changes;
    auto keepModule = [&](const std::filesystem::path& module) {
        for (const auto& [key, state] : before)
            if (state.info.module == module) after.emplace(key, state);
    };
    for (std::size_t handled = 0; handled < modules.size(); ++handled) {
        Done d;
        {
            std::unique_lock lock(doneMutex);
            doneCv.wait(lock, [&] { return finished.size() > handled; });
            d = std::move(finished[handled]);
        }
        const auto& module = modules[d.index];
        if (!d.tokens) {  // unknown now: keep what we knew of this module, report nothing
            keepModule(module);
            continue;
        }
        TokenSnapshot mine, was;
        for (auto& t : *d.tokens) {
            TokenState st;
            st.info = std::move(t);
            mine.emplace(tokenKey(st.info), std::move(st));
        }
        for (const auto& [key, state] : before)
            if (state.info.module == module) was.emplace(key, state);
        auto part = diffTokens(was, mine);
        const auto now = clock_.now();
        for (const auto& t : part.removed) bus_.publish(tokenRemovedEvent(t, now));
        for (const auto& t : part.inserted) bus_.publish(tokenInsertedEvent(t, now, initial));
        changes.removed.insert(changes.removed.end(), part.removed.begin(), part.removed.end());
        changes.inserted.insert(changes.inserted.end(), part.inserted.begin(),
                                part.inserted.end());
        after.merge(mine);
    }
    for (auto& t : listers) t.join();  // all have answered by now
    // Tokens of a module no longer in the list (its file is gone, the config changed) are gone
    // with it; a module that is listed but does not load answered "no tokens" above.
    for (const auto& [key, state] : before)
        if (std::find(modules.begin(), modules.end(), state.info.module) == modules.end()) {
            bus_.publish(tokenRemovedEvent(state.info, clock_.now()));
            changes.removed.push_back(state.info);
        }
    if (afterListing_) {
        std::vector<token::TokenInfo> listed;
        for (const auto& [key, state] : after) listed.push_back(state.info);
        try {
            afterListing_(*service, listed, started, initial);
        } catch (const std::exception& e) {
            log::warn("device", "after rescan: {}", e.what());
        }
    }
    {
        // Publish the token picture now; certificates are filled in below.
        std::lock_guard lock(snapshotMutex_);
        TokenSnapshot interim = after;
        for (auto& [key, state] : interim) {
            auto it = before.find(key);
            if (it != before.end()) {
                state.certificates = it->second.certificates;
                state.certificatesRead = it->second.certificatesRead;
            }
        }
        snapshot_ = std::move(interim);
    }

    // Certificates, one token at a time: a token pulled out meanwhile fails alone.
    for (auto& [key, state] : after) {
        try {
            // A token pulled out meanwhile may read as "no certificates": the removal check
            // turns that into an error, so it is not reported as certificates removed.
            const auto& info = state.info;  // clang 14 cannot capture a structured binding
            auto certs = withRemovalCheck(*service, info, [&] {
                return service->open(info)->certificates();
            });
            for (const auto& c : certs)
                state.certificates[token::toHex(c.id)] = c.info ? c.info->serialHex : "";
            state.certificatesRead = true;
        } catch (const Error& e) {
            log::info("device", "certificates of token {}: {}", state.info.serial, describe(e));
            // Keep what we knew, so a failed read does not look like removed certificates.
            auto it = before.find(key);
            if (it != before.end()) {
                state.certificates = it->second.certificates;
                state.certificatesRead = it->second.certificatesRead;
            }
        }
    }
    changes.certificates = diffCertificates(before, after);
    const auto later = clock_.now();
    for (const auto& c : changes.certificates) bus_.publish(certificatesChangedEvent(c, later));
    {
        std::lock_guard lock(snapshotMutex_);
        snapshot_ = std::move(after);
    }
    if (!changes.empty())
        log::info("device", "rescan: {} inserted, {} removed, {} with changed certificates",
                  changes.inserted.size(), changes.removed.size(), changes.certificates.size());
    return changes;
}

}  // namespace certagent::device
