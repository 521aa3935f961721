// Which NSS databases `browser register` finds in a home folder: Chromium's, and each Firefox
// profile (usual, snap and flatpak installs) that has a cert9.db.
#include <gtest/gtest.h>

#include "certagent/core/browser/nss.hpp"
#include "temp_dir.hpp"

using namespace certagent::browser;
using certagent::testing::TempDir;
using certagent::testing::writeFile;
namespace fs = std::filesystem;

namespace {

void makeDb(const fs::path& dir) {
    fs::create_directories(dir);
    writeFile(dir / "cert9.db", "");
}

}  // namespace

TEST(NssDatabases, ChromiumAndEveryFirefoxProfileWithACertificateDatabase) {
    TempDir home;
    makeDb(home / ".pki/nssdb");
    const auto ff = home / ".mozilla/firefox";
    makeDb(ff / "a.default-release");
    makeDb(home / "elsewhere/work");
    fs::create_directories(ff / "old.default");
    writeFile(ff / "old.default" / "cert8.db", "");  // legacy format: left out
    writeFile(ff / "profiles.ini",
              "[General]\nStartWithLastProfile=1\n\n"
              "[Profile0]\nName=default-release\nIsRelative=1\nPath=a.default-release\n\n"
              "[Profile1]\nName=work\nIsRelative=0\nPath=" + (home / "elsewhere/work").string() +
              "\n\n[Profile2]\nName=old\nIsRelative=1\nPath=old.default\n\n"
              "[Install123]\nDefault=a.default-release\n");
    const auto snap = home / "snap/firefox/common/.mozilla/firefox";
    makeDb(snap / "s.default");
    writeFile(snap / "profiles.ini", "[Profile0]\nName=snap\nPath=s.default\n");

    auto dbs = findNssDatabases(home.path());
    ASSERT_EQ(dbs.size(), 4u);
    EXPECT_EQ(dbs[0].browser, "chromium");
    EXPECT_EQ(dbs[0].dbArg(), "sql:" + (home / ".pki/nssdb").string());
    EXPECT_EQ(dbs[1].profile, "default-release");
    EXPECT_EQ(dbs[2].profile, "work");
    EXPECT_EQ(dbs[2].dir, home / "elsewhere/work");
    EXPECT_EQ(dbs[3].profile, "snap");
    EXPECT_EQ(dbs[3].browser, "firefox");
}

TEST(NssDatabases, NothingWhenNoBrowserEverRan) {
    TempDir home;
    EXPECT_TRUE(findNssDatabases(home.path()).empty());
    writeFile(home / "profiles.ini", "garbage\n[Profile0]\nPath\n=\n");
    EXPECT_TRUE(firefoxProfiles(home / "profiles.ini").empty());
}
