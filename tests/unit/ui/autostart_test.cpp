#include <gtest/gtest.h>

#include "certagent/core/ui/autostart.hpp"
#include "temp_dir.hpp"

namespace certagent::ui {
namespace {
using testing::readFile;
using testing::TempDir;
using testing::writeFile;

AutostartSpec spec() {
    AutostartSpec s;
    s.executable = "/opt/cert agent/bin/certagent";
    s.arguments = {"--minimized", "100%"};
    return s;
}

TEST(Autostart, DesktopEntryFollowsTheSpecQuoting) {
    EXPECT_EQ(desktopExec(spec()), "\"/opt/cert agent/bin/certagent\" --minimized 100%%");
    AutostartSpec s;
    s.executable = "/usr/bin/certagent";
    s.arguments = {"a\"b$c"};
    EXPECT_EQ(desktopExec(s), "/usr/bin/certagent \"a\\\"b\\$c\"");
}

TEST(Autostart, EnableWritesTheUsersEntry) {
    TempDir dir("ui-autostart");
    auto a = makeXdgAutostart(dir / "config", {dir / "etc"});
    EXPECT_FALSE(a->isEnabled());
    a->setEnabled(true, spec());
    EXPECT_TRUE(a->isEnabled());
    EXPECT_EQ(a->location(), (dir / "config" / "autostart" / "certagent.desktop").string());
    auto text = readFile(dir / "config" / "autostart" / "certagent.desktop");
    EXPECT_NE(text.find("[Desktop Entry]\nType=Application\n"), std::string::npos);
    EXPECT_NE(text.find("Exec=\"/opt/cert agent/bin/certagent\""), std::string::npos);
    EXPECT_NE(text.find("X-GNOME-Autostart-enabled=true"), std::string::npos);
    EXPECT_EQ(text.find("Hidden"), std::string::npos);
}

TEST(Autostart, DisableHidesASystemWideEntryToo) {
    TempDir dir("ui-autostart");
    writeFile(dir / "etc" / "autostart" / "certagent.desktop",
              "[Desktop Entry]\nType=Application\nExec=certagent\n");
    auto a = makeXdgAutostart(dir / "config", {dir / "etc"});
    EXPECT_TRUE(a->isEnabled());  // the installer's entry
    a->setEnabled(false, spec());
    EXPECT_FALSE(a->isEnabled());
    EXPECT_NE(readFile(dir / "config" / "autostart" / "certagent.desktop").find("Hidden=true"),
              std::string::npos);
    a->setEnabled(true, spec());
    EXPECT_TRUE(a->isEnabled());
}

TEST(Autostart, GnomeDisabledEntryCountsAsOff) {
    TempDir dir("ui-autostart");
    writeFile(dir / "config" / "autostart" / "certagent.desktop",
              "[Desktop Entry]\nExec=certagent\nX-GNOME-Autostart-enabled=false\n");
    EXPECT_FALSE(makeXdgAutostart(dir / "config", {})->isEnabled());
}

TEST(Autostart, XdgConfigHomeFollowsTheEnvironment) {
    TempDir dir("ui-autostart");
    auto old = std::getenv("XDG_CONFIG_HOME");
    std::string saved = old ? old : "";
    setenv("XDG_CONFIG_HOME", dir.path().c_str(), 1);
    EXPECT_EQ(xdgConfigHome(), dir.path());
    setenv("XDG_CONFIG_HOME", "relative/ignored", 1);
    EXPECT_NE(xdgConfigHome(), std::filesystem::path("relative/ignored"));
    if (old)
        setenv("XDG_CONFIG_HOME", saved.c_str(), 1);
    else
        unsetenv("XDG_CONFIG_HOME");
}

}  // namespace
}  // namespace certagent::ui
