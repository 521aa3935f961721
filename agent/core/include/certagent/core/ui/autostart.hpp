#pragma once
// Start with the desktop session: an XDG autostart entry on Linux, the Run key on Windows, a
// LaunchAgent on macOS (the last two live in agent/platform/<os>). Standard library only, so
// the platform files compile with nothing but this header.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace certagent::ui {

struct AutostartSpec {
    std::filesystem::path executable;
    std::vector<std::string> arguments;
    std::string name = "certagent";
    std::string comment = "Qualified e-signature certificates: expiry and renewal";
};

class Autostart {
public:
    virtual ~Autostart() = default;
    virtual bool isEnabled() const = 0;
    // Throws std::runtime_error when the entry cannot be written.
    virtual void setEnabled(bool enabled, const AutostartSpec& spec) = 0;
    // Where the entry lives (shown in the settings dialog and the logs).
    virtual std::string location() const = 0;
};

// This OS's writer: XDG on Linux and other Unix desktops, the Run key on Windows, a
// LaunchAgent on macOS.
std::unique_ptr<Autostart> makeAutostart();

// XDG autostart (freedesktop "Desktop Application Autostart Specification").
// configHome: $XDG_CONFIG_HOME (~/.config); systemDirs: $XDG_CONFIG_DIRS (/etc/xdg).
std::unique_ptr<Autostart> makeXdgAutostart(const std::filesystem::path& configHome,
                                            const std::vector<std::filesystem::path>& systemDirs);
std::filesystem::path xdgConfigHome();
std::vector<std::filesystem::path> xdgConfigDirs();
// The .desktop file's text; `enabled` false writes Hidden=true, which also hides a system-wide
// entry of the same name.
std::string desktopEntry(const AutostartSpec& spec, bool enabled);
// Exec= value with the spec's quoting rules.
std::string desktopExec(const AutostartSpec& spec);

}  // namespace certagent::ui
