#include "certagent/core/token/agent_tokens.hpp"

#include "certagent/core/agent.hpp"
#include "certagent/core/error.hpp"
#include "certagent/core/log.hpp"

#include <algorithm>

namespace certagent::token {

namespace {

// Turns a TokenInfo into the JSON a plugin's claim() receives.
nlohmann::json tokenJson(const TokenInfo& t) {
    return {{"slot", t.slotId},         {"label", t.label}, {"serial", t.serial},
            {"manufacturer", t.manufacturer}, {"model", t.model},
            {"module", t.module.string()}};
}

}  // namespace

std::vector<TokenProfile> tokenProfiles(Agent& agent) {
    std::vector<TokenProfile> out;
    for (const auto& p : agent.plugins().plugins()) {
        if (!p->isToken()) continue;
        try {
            auto profile = parseTokenProfile(p->profile());
            if (profile.name.empty()) profile.name = p->info().name;
            out.push_back(std::move(profile));
        } catch (const Error& e) {
            log::warn("token", "plugin {}: {}", p->info().name, describe(e));
        } catch (const std::exception& e) {  // malformed JSON types inside the profile
            log::warn("token", "plugin {}: bad token profile: {}", p->info().name, e.what());
        }
    }
    // Vendor profiles first, the generic one last.
    std::stable_partition(out.begin(), out.end(), [](const TokenProfile& p) { return !p.generic; });
    return out;
}

std::unique_ptr<TokenService> makeTokenService(Agent& agent) {
    const auto& config = agent.config();
    auto profiles = tokenProfiles(agent);
    std::map<std::string, std::string> overrides;
    for (const auto& p : profiles) {
        const std::string key = "tokens." + p.name + ".module";
        try {
            if (config.find(key)) overrides[p.name] = config.getString(key);
        } catch (const Error&) {
        }
    }
    auto specs = resolveModules(profiles, overrides, config.getStrings("pkcs11.extra_modules"),
                                config.getBool("pkcs11.use_p11_kit"));

    TokenServiceOptions options;
    auto days = config.getInts("reminders.days_before");
    if (!days.empty()) options.expiringWithinDays = static_cast<int>(*std::max_element(days.begin(), days.end()));
    options.quirks = [profiles](const std::string& plugin) {
        for (const auto& p : profiles)
            if (p.name == plugin) return p.quirkFlags;
        return TokenQuirks{};
    };
    Agent* a = &agent;
    options.claimer = [profiles, a](const TokenInfo& t, const ModuleSpec& spec) {
        CustomClaim custom = [a](const std::string& name, const TokenInfo& token) -> std::optional<int> {
            for (const auto& p : a->plugins().plugins())
                if (p->isToken() && p->info().name == name) {
                    try {
                        return p->claim(tokenJson(token));
                    } catch (const Error&) {
                        return std::nullopt;
                    }
                }
            return std::nullopt;
        };
        return claimToken(profiles, t, spec, custom);
    };
    return std::make_unique<TokenService>(specs, std::move(options));
}

}  // namespace certagent::token
