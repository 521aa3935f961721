// A token plugin that is only data: it returns its folder's profile.json (docs/tokens.md,
// "Token profile") and lets the agent apply the rules. Built once per token folder by
// token_plugin.cmake.
#include <certagent/sdk/plugin.hpp>

#include "profile_data.hpp"

namespace {

class ProfileTokenPlugin : public certagent::sdk::TokenPlugin {
public:
    using TokenPlugin::TokenPlugin;
    nlohmann::json profile() const override { return nlohmann::json::parse(kTokenProfileJson); }
};

}  // namespace

CERTAGENT_PLUGIN(ProfileTokenPlugin, token, CERTAGENT_TOKEN_PLUGIN_NAME, "1.0.0",
                 kTokenPluginDescription)
