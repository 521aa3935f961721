#include "certagent/core/token/token_service.hpp"

#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"
#include "certificate_reader.hpp"
#include "cryptoki.hpp"

#include <fmt/format.h>
#include <set>

namespace certagent::token {

namespace fs = std::filesystem;

namespace {

std::string defaultClaim(const TokenInfo&, const ModuleSpec& spec) {
    return spec.plugin.empty() ? std::string("generic-pkcs11") : spec.plugin;
}

}  // namespace

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
        try {
            auto module = detail::Module::acquire(status.realPath);
            status.loaded = true;
            status.manufacturer = module->manufacturer();
            status.description = module->description();
            loaded_.push_back({std::move(module), spec});
        } catch (const Error& e) {
            status.error = e.what();
            log::warn("token", "module {} ({}): {}", spec.path.string(),
                      moduleSourceName(spec.source), status.error);
        }
        statuses_.push_back(std::move(status));
    }
}

TokenService::~TokenService() = default;

std::vector<TokenInfo> TokenService::tokensOf(const Loaded& loaded) {
    std::lock_guard lock(loaded.module->mutex());
    std::vector<TokenInfo> out;
    for (auto slot : loaded.module->slotsWithToken()) {
        try {
            TokenInfo t = loaded.module->tokenInfo(slot);
            if (!(t.flags & CKF_TOKEN_INITIALIZED)) continue;  // blank token: nothing to show
            t.plugin = options_.claimer(t, loaded.spec);
            out.push_back(std::move(t));
        } catch (const Error& e) {
            // Pulled out between C_GetSlotList and C_GetTokenInfo, or a broken slot.
            log::warn("token", "{}: {}", describe(e), "slot skipped");
        }
    }
    return out;
}

std::vector<TokenInfo> TokenService::tokens() {
    std::vector<TokenInfo> out;
    for (const auto& l : loaded_) {
        try {
            auto more = tokensOf(l);
            out.insert(out.end(), std::make_move_iterator(more.begin()),
                       std::make_move_iterator(more.end()));
        } catch (const Error& e) {
            log::warn("token", "{}", describe(e));
        }
    }
    return out;
}

std::vector<TokenInfo> TokenService::tokensOfModule(std::size_t index) {
    return tokensOf(loaded_.at(index));
}

std::vector<std::filesystem::path> TokenService::loadedModules() const {
    std::vector<std::filesystem::path> out;
    for (const auto& l : loaded_) out.push_back(l.module->path());
    return out;
}

std::vector<TokenCertificate> TokenService::certificates(const std::optional<std::string>& serial) {
    std::vector<TokenCertificate> out;
    for (const auto& l : loaded_) {
        std::vector<TokenInfo> tokens;
        try {
            tokens = tokensOf(l);
        } catch (const Error& e) {
            log::warn("token", "{}", describe(e));
            continue;
        }
        for (const auto& t : tokens) {
            if (serial && t.serial != *serial) continue;
            std::lock_guard lock(l.module->mutex());
            try {
                detail::Session s(l.module, t.slotId, false, t.serial);
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

std::unique_ptr<TokenSession> TokenService::open(const std::string& serial) {
    for (const auto& l : loaded_) {
        for (auto& t : tokensOf(l))
            if (t.serial == serial)
                return std::unique_ptr<TokenSession>(
                    new TokenSession(l.module, std::move(t), options_.expiringWithinDays));
    }
    throw retryableError(
        ErrorKind::TokenRemoved,
        fmt::format(fmt::runtime(_("No token with serial {0} is connected; insert it and try "
                                   "again")),
                    serial),
        serial);
}

}  // namespace certagent::token
