#include "certagent/core/token/module_discovery.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>

using namespace certagent::token;
using certagent::testing::TempDir;
using certagent::testing::writeFile;

TEST(P11KitDiscovery, SkipsTrustPolicyModulesAndResolvesRelativeNames) {
    TempDir dir;
    writeFile(dir / "pkg/opensc.module", "# comment\nmodule: opensc-pkcs11.so\n");
    writeFile(dir / "pkg/p11-kit-trust.module",
              "module: p11-kit-trust.so\npriority: 1\ntrust-policy: yes\n"
              "disable-in: p11-kit-proxy\n");
    writeFile(dir / "pkg/softhsm2.module", "module: /usr/lib/softhsm/libsofthsm2.so\n");
    writeFile(dir / "pkg/notes.txt", "module: /not/a/module.so\n");
    auto specs = p11KitModuleSpecs({dir / "pkg"}, "/mods");
    ASSERT_EQ(specs.size(), 2u);
    EXPECT_EQ(specs[0].path, "/mods/opensc-pkcs11.so");
    EXPECT_EQ(specs[1].path, "/usr/lib/softhsm/libsofthsm2.so");
    EXPECT_EQ(specs[0].source, ModuleSource::P11Kit);
}

TEST(P11KitDiscovery, LaterFolderOverridesSameFileAndEnableInLimitsPrograms) {
    TempDir dir;
    writeFile(dir / "pkg/vendor.module", "module: /a/vendor.so\n");
    writeFile(dir / "user/vendor.module", "module: /b/vendor.so\n");
    writeFile(dir / "user/only-firefox.module", "module: /c/x.so\nenable-in: firefox\n");
    auto specs = p11KitModuleSpecs({dir / "pkg", dir / "missing", dir / "user"}, "/mods");
    ASSERT_EQ(specs.size(), 1u);
    EXPECT_EQ(specs[0].path, "/b/vendor.so");
}

TEST(P11KitDiscovery, SystemDefaultsIncludeDebianSoftHsmButNotTrust) {
    for (const auto& s : p11KitModuleSpecs())
        EXPECT_EQ(s.path.filename().string().find("p11-kit-trust"), std::string::npos);
}

TEST(ModuleCandidates, FirstExistingWins) {
    TempDir dir;
    writeFile(dir / "b.so", "x");
    EXPECT_EQ(firstExisting({dir / "a.so", dir / "b.so"}), dir / "b.so");
    EXPECT_FALSE(firstExisting({dir / "a.so"}));
}
