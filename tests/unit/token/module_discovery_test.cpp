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

// p11-kit's enable-in/disable-in hold program names separated by commas or spaces, compared
// whole (p11-kit's is_string_in_list): "certagent-helper" is not "certagent".
TEST(P11KitDiscovery, EnableInAndDisableInCompareWholeProgramNames) {
    TempDir dir;
    writeFile(dir / "m/enabled-for-us.module",
              "module: /m/a.so\nenable-in: firefox, certagent-cli,thunderbird\n");
    writeFile(dir / "m/substring-only.module", "module: /m/b.so\nenable-in: certagent-helper\n");
    writeFile(dir / "m/disabled-for-us.module", "module: /m/c.so\ndisable-in: p11-kit-proxy certagent-cli\n");
    writeFile(dir / "m/disabled-elsewhere.module", "module: /m/d.so\ndisable-in: mycertagent-cli\n");
    std::vector<std::string> paths;
    for (const auto& s : p11KitModuleSpecs({dir / "m"}, "/mods", "certagent-cli"))
        paths.push_back(s.path.string());
    EXPECT_EQ(paths, (std::vector<std::string>{"/m/d.so", "/m/a.so"}));
}

TEST(P11KitDiscovery, ProgramNameListsSplitOnCommasAndSpaces) {
    EXPECT_TRUE(p11KitProgramListHas("firefox,certagent", "certagent"));
    EXPECT_TRUE(p11KitProgramListHas(" certagent ,x", "certagent"));
    EXPECT_TRUE(p11KitProgramListHas("a\tcertagent", "certagent"));
    EXPECT_FALSE(p11KitProgramListHas("certagents", "certagent"));
    EXPECT_FALSE(p11KitProgramListHas("my-certagent", "certagent"));
    EXPECT_FALSE(p11KitProgramListHas("", "certagent"));
    EXPECT_FALSE(p11KitProgramListHas("certagent", ""));
}
