#include "certagent/core/error.hpp"
#include "certagent/core/token/token_profile.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>

using namespace certagent::token;
using certagent::testing::readFile;
using certagent::testing::sourceDir;
using certagent::testing::TempDir;
using certagent::testing::writeFile;

namespace {

TokenProfile shipped(const std::string& name) {
    return parseTokenProfile(
        nlohmann::json::parse(readFile(sourceDir() / "plugins/tokens" / name / "profile.json")));
}

TokenInfo token(std::string manufacturer, std::string model, std::string label = "x") {
    TokenInfo t;
    t.manufacturer = std::move(manufacturer);
    t.model = std::move(model);
    t.label = std::move(label);
    return t;
}

std::vector<TokenProfile> allShipped() {
    return {shipped("mtoken-cryptoid"), shipped("epass3000"), shipped("epass2003auto"),
            shipped("generic-pkcs11")};
}

}  // namespace

TEST(TokenProfiles, ShippedProfilesParseWithTheirData) {
    auto e = shipped("epass2003auto");
    EXPECT_EQ(e.name, "epass2003auto");
    ASSERT_EQ(e.usbIds.size(), 2u);
    EXPECT_EQ(e.usbIds[1].vendor, 0x096e);
    EXPECT_EQ(e.usbIds[1].product, 0x080a);
    EXPECT_TRUE(e.supports(KeyType::Rsa2048));
    EXPECT_FALSE(e.supports(KeyType::Rsa4096));
    EXPECT_FALSE(e.modules.at("windows").empty());
    auto m = shipped("mtoken-cryptoid");
    EXPECT_EQ(m.drivers.at(0).url,
              "https://www.certdigital.ro/download/CertDigital_mTokenCryptoID_nou.zip");
    EXPECT_EQ(shipped("epass3000").drivers.at(0).url,
              "https://www.certdigital.ro/download/ePass3000.zip");
    EXPECT_TRUE(shipped("generic-pkcs11").generic);
}

TEST(TokenProfiles, FeitianProfilesNameTheUnblockingSecretSoPin) {
    EXPECT_EQ(shipped("epass2003auto").unblockPinName, "SO PIN");
    EXPECT_EQ(shipped("epass3000").unblockPinName, "SO PIN");
    EXPECT_EQ(shipped("mtoken-cryptoid").unblockPinName, "");  // not known: the agent's wording
    EXPECT_EQ(shipped("generic-pkcs11").unblockPinName, "");
}

TEST(TokenProfiles, TokenInfoRulesClaimVendorTokensAndGenericTakesTheRest) {
    auto profiles = allShipped();
    ModuleSpec any{"/x.so", {}, ModuleSource::P11Kit};
    EXPECT_EQ(claimToken(profiles, token("EnterSafe", "ePass2003"), any), "epass2003auto");
    EXPECT_EQ(claimToken(profiles, token("Longmai", "mToken CryptoID"), any), "mtoken-cryptoid");
    EXPECT_EQ(claimToken(profiles, token("Feitian", "ePass3000"), any), "epass3000");
    EXPECT_EQ(claimToken(profiles, token("SoftHSM project", "SoftHSM v2"), any), "generic-pkcs11");
    // A vendor module serving an unrecognised token: the vendor's plugin still claims it.
    ModuleSpec vendor{"/x.so", "mtoken-cryptoid", ModuleSource::Plugin};
    EXPECT_EQ(claimToken(profiles, token("Other", "Other"), vendor), "mtoken-cryptoid");
    // A plugin's own claim() outranks the rules.
    CustomClaim custom = [](const std::string& p, const TokenInfo&) -> std::optional<int> {
        return p == "epass3000" ? std::optional<int>(5) : std::nullopt;
    };
    EXPECT_EQ(claimToken(profiles, token("EnterSafe", "ePass2003"), any, custom), "epass3000");
}

TEST(TokenProfiles, ModulesResolveToTheFirstExistingCandidateOrTheOverride) {
    TempDir dir;
    writeFile(dir / "second.so", "x");
    TokenProfile p;
    p.name = "vendor";
    p.modules[currentOs()] = {(dir / "first.so").string(), (dir / "second.so").string()};
    auto specs = resolveModules({p}, {}, {"/extra.so"}, false);
    ASSERT_EQ(specs.size(), 2u);
    EXPECT_EQ(specs[0].path, dir / "second.so");
    EXPECT_EQ(specs[0].plugin, "vendor");
    EXPECT_EQ(specs[1].path, "/extra.so");
    EXPECT_EQ(specs[1].source, ModuleSource::Config);
    specs = resolveModules({p}, {{"vendor", "/custom.so"}}, {}, false);
    EXPECT_EQ(specs.at(0).path, "/custom.so");
}

TEST(TokenProfiles, BadProfilesAreRejectedNamingTheProblem) {
    EXPECT_THROW(parseTokenProfile(nlohmann::json::array()), certagent::Error);
    EXPECT_THROW(parseTokenProfile({{"vendor", "x"}}), certagent::Error);
    EXPECT_THROW(parseTokenProfile({{"name", "x"}, {"key_types", {"dsa512"}}}), certagent::Error);
    EXPECT_THROW(parseTokenProfile({{"name", "x"}, {"usb", {{{"vid", "zz"}, {"pid", "1"}}}}}),
                 certagent::Error);
}
