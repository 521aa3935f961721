// A token plugin for the renewal tests: claims SoftHSM2 tokens and says they can only make
// RSA 2048 keys, as the mToken CryptoID and ePass3000 profiles do.
#include <certagent/sdk/plugin.hpp>

class RsaOnlyToken : public certagent::sdk::TokenPlugin {
public:
    using TokenPlugin::TokenPlugin;
    nlohmann::json profile() const override {
        return {{"name", "test-rsa-only-token"},
                {"vendor", "Test"},
                {"product", "RSA-only token"},
                {"token_info", {{{"manufacturer", "SoftHSM*"}, {"model", "SoftHSM*"}}}},
                {"modules", {{"linux", {"/usr/lib/softhsm/libsofthsm2.so"}}}},
                {"key_types", {"rsa2048"}}};
    }
};
CERTAGENT_PLUGIN(RsaOnlyToken, token, "test-rsa-only-token", "1.0.0",
                 "Test: SoftHSM2 tokens that can only make RSA 2048 keys")
