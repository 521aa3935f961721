#include "certagent/core/error.hpp"
#include "certagent/core/token/token_profile.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>

using namespace certagent::token;
using certagent::testing::readFile;
using certagent::testing::sourceDir;
using certagent::testing::TempDir;
using certagent::testing::writeFile;
namespace fs = std::filesystem;

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

TEST(TokenQuirkRegistry, EveryQuirkNamedInAShippedProfileIsKnown) {
    for (const auto& p : allShipped()) {
        std::vector<std::string> unknown;
        quirksFromNames(p.quirks, &unknown);
        EXPECT_TRUE(unknown.empty()) << p.name << ": " << (unknown.empty() ? "" : unknown[0]);
    }
    EXPECT_TRUE(shipped("epass2003auto").quirkFlags.closeSessionsWhenIdle);
    EXPECT_TRUE(shipped("epass2003auto").quirkFlags.vendorModuleBeforeOpenSc);
    EXPECT_TRUE(shipped("mtoken-cryptoid").quirkFlags.tokenInfoCancelMeansOk);
    EXPECT_TRUE(shipped("epass3000").quirkFlags.usbIsOnlySign);
    EXPECT_FALSE(shipped("generic-pkcs11").quirkFlags.closeSessionsWhenIdle);
}

TEST(TokenQuirkRegistry, UnknownQuirksAreIgnoredAndFlagsCombine) {
    std::vector<std::string> unknown;
    auto q = quirksFromNames({"close_sessions_when_idle", "from_the_future"}, &unknown);
    EXPECT_TRUE(q.closeSessionsWhenIdle);
    EXPECT_EQ(unknown, std::vector<std::string>{"from_the_future"});
    EXPECT_NO_THROW(parseTokenProfile({{"name", "x"}, {"quirks", {"from_the_future"}}}));
    TokenQuirks both = quirksFromNames({"token_info_cancel_on_old_macos"});
    both |= q;
    EXPECT_TRUE(both.closeSessionsWhenIdle);
    EXPECT_TRUE(both.tokenInfoCancelMeansOk);
    EXPECT_FALSE(both.ecKeysOnlyWhenListed);
}

TEST(TokenQuirkRegistry, ATokenOnlySeenOnUsbMustDeclareItsUsbIds) {
    auto e = nlohmann::json{{"name", "x"}, {"quirks", {"not_ccid_detect_by_usb_id"}}};
    EXPECT_THROW(parseTokenProfile(e), certagent::Error);
    e["usb"] = {{{"vid", "096e"}, {"pid", "0401"}}};
    EXPECT_NO_THROW(parseTokenProfile(e));
}

TEST(TokenQuirkRegistry, VendorModuleIsTriedBeforeOpenScWhateverTheListedOrder) {
    TempDir dir;
    writeFile(dir / "opensc-pkcs11.so", "x");
    writeFile(dir / "libcastle.so.1.0.0", "x");
    TokenProfile p;
    p.name = "epass";
    p.modules[currentOs()] = {(dir / "opensc-pkcs11.so").string(),
                              (dir / "libcastle.so.1.0.0").string()};
    EXPECT_EQ(resolveModules({p}, {}, {}, false).at(0).path, dir / "opensc-pkcs11.so");
    p.quirkFlags = quirksFromNames({"vendor_module_before_opensc"});
    EXPECT_EQ(resolveModules({p}, {}, {}, false).at(0).path, dir / "libcastle.so.1.0.0");
    // Only OpenSC installed: it is still used.
    fs::remove(dir / "libcastle.so.1.0.0");
    EXPECT_EQ(resolveModules({p}, {}, {}, false).at(0).path, dir / "opensc-pkcs11.so");
}

TEST(TokenQuirkRegistry, ShippedEpass2003ListsTheVendorModuleFirstOnEveryOs) {
    for (const auto& [os, list] : shipped("epass2003auto").modules) {
        bool seenOpenSc = false;
        for (const auto& m : list) {
            bool opensc = m.find("opensc") != std::string::npos;
            EXPECT_FALSE(seenOpenSc && !opensc) << os << ": " << m << " listed after OpenSC";
            seenOpenSc |= opensc;
        }
    }
}

TEST(TokenProfiles, VendorToolTakesOnePathOrSeveralPerOsAndIsShownOnlyWhenInstalled) {
    TempDir dir;
    auto p = parseTokenProfile({{"name", "x"},
                                {"vendor_tool",
                                 {{"name", "Token Manager"},
                                  {currentOs(),
                                   {(dir / "missing").string(), (dir / "manager").string()}},
                                  {"plan9", "/bin/tool"}}}});
    EXPECT_EQ(p.vendorTool.name, "Token Manager");
    EXPECT_EQ(p.vendorTool.paths.at("plan9"), std::vector<std::string>{"/bin/tool"});
    EXPECT_FALSE(installedVendorTool(p));
    writeFile(dir / "manager", "#!/bin/sh\n");
    EXPECT_EQ(installedVendorTool(p), dir / "manager");
    // A relative path is never looked up in PATH or the working folder.
    p.vendorTool.paths[currentOs()] = {"manager"};
    EXPECT_FALSE(installedVendorTool(p));
    EXPECT_THROW(parseTokenProfile({{"name", "x"}, {"vendor_tool", {{"linux", 5}}}}),
                 certagent::Error);
    EXPECT_EQ(shipped("mtoken-cryptoid").vendorTool.name, "CryptoIDE User Tools");
}
