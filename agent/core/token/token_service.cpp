#include "certagent/core/token/token_service.hpp"

#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"
#include "certificate_reader.hpp"
#include "cryptoki.hpp"

#include <fmt/format.h>
#include <mutex>
#include <set>

namespace certagent::token {

namespace fs = std::filesystem;

namespace {

std::string defaultClaim(const TokenInfo&, const ModuleSpec& spec) {
    return spec.plugin.empty() ? std::string("generic-pkcs11") : spec.plugin;
}

}  // namespace

struct TokenService::Candidate {
    ModuleSpec spec;
    fs::path realPath;
    std::size_t status = 0;  // index in statuses_
    std::mutex loading;
    bool tried = false;
    std::shared_ptr<detail::Module> module;
};

TokenService::TokenService(const std::vector<ModuleSpec>& modules, TokenServiceOptions options)
    : options_(std::move(options)) {
    if (!options_.claimer) options_.claimer = defaultClaim;
    std::set<fs::path> seen;
    for (const auto& spec : modules) {
        ModuleStatus status;
        status.spec = spec;
        std::error_code ec;
        status.realPath = fs::canonical(spec.path, ec);
        if (ec) {
            status.error = fmt::format(fmt::runtime(_("The PKCS#11 module file is missing ({0})")),
                                      ec.message());
            log::warn("token", "module {} ({}): {}", spec.path.string(),
                      moduleSourceName(spec.source), status.error);
            statuses_.push_back(std::move(status));
            continue;
        }
        if (!seen.insert(status.realPath).second) continue;  // same library, listed again
        auto c = std::make_unique<Candidate>();
        c->spec = spec;
        c->realPath = status.realPath;
        c->status = statuses_.size();
        candidates_.push_back(std::move(c));
        statuses_.push_back(std::move(status));
    }
}

TokenService::~TokenService() = default;

std::shared_ptr<detail::Module> TokenService::load(Candidate& c) {
    std::lock_guard lock(c.loading);
    if (c.tried) return c.module;
    c.tried = true;
    auto& status = statuses_[c.status];
    try {
        c.module = detail::Module::acquire(c.realPath);
        status.loaded = true;
        status.manufacturer = c.module->manufacturer();
        status.description = c.module->description();
    } catch (const Error& e) {
        status.error = e.what();
        log::warn("token", "module {} ({}): {}", c.spec.path.string(),
                  moduleSourceName(c.spec.source), status.error);
    }
    return c.module;
}

const std::vector<ModuleStatus>& TokenService::modules() {
    for (auto& c : candidates_) load(*c);
    return statuses_;
}

std::vector<TokenInfo> TokenService::tokensOf(Candidate& c) {
    auto module = load(c);
    if (!module) return {};
    std::lock_guard lock(module->mutex());
    std::vector<TokenInfo> out;
    for (auto slot : module->slotsWithToken()) {
        try {
            TokenInfo t = module->tokenInfo(slot, quirksOf(c.spec.plugin));
            if (!(t.flags & CKF_TOKEN_INITIALIZED)) continue;  // blank token: nothing to show
            t.plugin = options_.claimer(t, c.spec);
            out.push_back(std::move(t));
        } catch (const Error& e) {
            // Pulled out between C_GetSlotList and C_GetTokenInfo, or a broken slot.
            log::warn("token", "{}: {}", describe(e), "slot skipped");
        }
    }
    return out;
}

TokenQuirks TokenService::quirksOf(const std::string& plugin) const {
    return options_.quirks && !plugin.empty() ? options_.quirks(plugin) : TokenQuirks{};
}

std::unique_ptr<TokenSession> TokenService::sessionOn(Candidate& c, TokenInfo token) {
    TokenQuirks quirks = quirksOf(c.spec.plugin);
    quirks |= quirksOf(token.plugin);
    return std::unique_ptr<TokenSession>(new TokenSession(
        c.module, std::move(token), options_.expiringWithinDays, quirks));
}

std::vector<TokenInfo> TokenService::tokens() {
    std::vector<TokenInfo> out;
    for (auto& c : candidates_) {
        try {
            auto more = tokensOf(*c);
            out.insert(out.end(), std::make_move_iterator(more.begin()),
                       std::make_move_iterator(more.end()));
        } catch (const Error& e) {
            log::warn("token", "{}", describe(e));
        }
    }
    return out;
}

std::vector<TokenInfo> TokenService::tokensOfModule(std::size_t index) {
    return tokensOf(*candidates_.at(index));
}

std::vector<std::filesystem::path> TokenService::candidateModules() const {
    std::vector<std::filesystem::path> out;
    for (const auto& c : candidates_) out.push_back(c->realPath);
    return out;
}

TokenService::Candidate* TokenService::candidateFor(const fs::path& realPath) {
    for (auto& c : candidates_)
        if (c->realPath == realPath) return c.get();
    return nullptr;
}

std::vector<TokenCertificate> TokenService::certificates(const std::optional<std::string>& serial) {
    std::vector<TokenCertificate> out;
    for (auto& c : candidates_) {
        std::vector<TokenInfo> tokens;
        try {
            tokens = tokensOf(*c);
        } catch (const Error& e) {
            log::warn("token", "{}", describe(e));
            continue;
        }
        for (const auto& t : tokens) {
            if (serial && t.serial != *serial) continue;
            std::lock_guard lock(c->module->mutex());
            try {
                detail::Session s(c->module, t.slotId, false, t.serial);
                auto certs = detail::readCertificates(s, t);
                out.insert(out.end(), std::make_move_iterator(certs.begin()),
                           std::make_move_iterator(certs.end()));
            } catch (const Error& e) {
                log::warn("token", "{}", describe(e));
            }
        }
    }
    return out;
}

namespace {

[[noreturn]] void throwNotConnected(const std::string& serial) {
    throw retryableError(
        ErrorKind::TokenRemoved,
        fmt::format(fmt::runtime(_("No token with serial {0} is connected; insert it and try "
                                   "again")),
                    serial),
        serial);
}

}  // namespace

std::unique_ptr<TokenSession> TokenService::open(const std::string& serial) {
    for (auto& c : candidates_) {
        for (auto& t : tokensOf(*c))
            if (t.serial == serial) return sessionOn(*c, std::move(t));
    }
    throwNotConnected(serial);
}

std::unique_ptr<TokenSession> TokenService::open(const TokenInfo& token) {
    if (auto* c = candidateFor(token.module))
        for (auto& t : tokensOf(*c))
            if (t.serial == token.serial) return sessionOn(*c, std::move(t));
    throwNotConnected(token.serial);
}

bool TokenService::connected(const TokenInfo& token) {
    if (auto* c = candidateFor(token.module))
        for (const auto& t : tokensOf(*c))
            if (t.serial == token.serial) return true;
    return false;
}

}  // namespace certagent::token
