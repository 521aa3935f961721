#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "certagent/core/paths.hpp"
#include "certagent/core/ui/autostart.hpp"

namespace certagent::ui {
namespace {

namespace fs = std::filesystem;

// Desktop Entry spec, "The Exec key": quote arguments with reserved characters; inside quotes
// escape ", `, $ and \ with a backslash. '%' is a field code prefix and is doubled.
std::string quoteArg(const std::string& arg) {
    static const std::string reserved = " \t\n\"'\\><~|&;$*?#()`";
    std::string escapedPercent;
    for (char c : arg) {
        escapedPercent += c;
        if (c == '%') escapedPercent += '%';
    }
    if (!escapedPercent.empty() && escapedPercent.find_first_of(reserved) == std::string::npos)
        return escapedPercent;
    std::string out = "\"";
    for (char c : escapedPercent) {
        if (c == '"' || c == '`' || c == '$' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

std::string readAll(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// An entry is off when Hidden=true or X-GNOME-Autostart-enabled=false (what GNOME's own
// "Startup Applications" writes).
bool entryEnabled(const std::string& text) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("Hidden=", 0) == 0 && line.substr(7) == "true") return false;
        if (line.rfind("X-GNOME-Autostart-enabled=", 0) == 0 && line.substr(26) == "false")
            return false;
    }
    return true;
}

class XdgAutostart final : public Autostart {
public:
    XdgAutostart(fs::path configHome, std::vector<fs::path> systemDirs)
        : file_(configHome / "autostart" / "certagent.desktop"),
          systemDirs_(std::move(systemDirs)) {}

    bool isEnabled() const override {
        std::error_code ec;
        // The user's entry overrides a system-wide one of the same name.
        if (fs::exists(file_, ec)) return entryEnabled(readAll(file_));
        for (const auto& dir : systemDirs_) {
            auto sys = dir / "autostart" / "certagent.desktop";
            if (fs::exists(sys, ec)) return entryEnabled(readAll(sys));
        }
        return false;
    }

    void setEnabled(bool enabled, const AutostartSpec& spec) override {
        std::error_code ec;
        fs::create_directories(file_.parent_path(), ec);
        auto tmp = file_;
        tmp += ".tmp";
        {
            std::ofstream out(tmp, std::ios::trunc);
            out << desktopEntry(spec, enabled);
            out.close();
            if (!out) throw std::runtime_error("cannot write " + tmp.string());
        }
        fs::rename(tmp, file_, ec);
        if (ec) throw std::runtime_error("cannot write " + file_.string() + ": " + ec.message());
    }

    std::string location() const override { return file_.string(); }

private:
    fs::path file_;
    std::vector<fs::path> systemDirs_;
};

}  // namespace

fs::path xdgConfigHome() {
    const char* env = std::getenv("XDG_CONFIG_HOME");
    if (env && *env && fs::path(env).is_absolute()) return env;
    return paths::homeDir() / ".config";
}

std::vector<fs::path> xdgConfigDirs() {
    std::vector<fs::path> dirs;
    const char* env = std::getenv("XDG_CONFIG_DIRS");
    std::string list = env && *env ? env : "/etc/xdg";
    std::istringstream in(list);
    std::string d;
    while (std::getline(in, d, ':'))
        if (!d.empty() && fs::path(d).is_absolute()) dirs.emplace_back(d);
    return dirs;
}

std::string desktopExec(const AutostartSpec& spec) {
    std::string exec = quoteArg(spec.executable.string());
    for (const auto& a : spec.arguments) exec += " " + quoteArg(a);
    return exec;
}

std::string desktopEntry(const AutostartSpec& spec, bool enabled) {
    std::string s = "[Desktop Entry]\n"
                    "Type=Application\n"
                    "Name=" + spec.name + "\n"
                    "Comment=" + spec.comment + "\n"
                    "Exec=" + desktopExec(spec) + "\n"
                    "Icon=certagent\n"
                    "Terminal=false\n"
                    "Categories=Utility;Security;\n"
                    "X-GNOME-Autostart-enabled=" + (enabled ? "true" : "false") + "\n";
    if (!enabled) s += "Hidden=true\n";
    return s;
}

std::unique_ptr<Autostart> makeXdgAutostart(const fs::path& configHome,
                                            const std::vector<fs::path>& systemDirs) {
    return std::make_unique<XdgAutostart>(configHome, systemDirs);
}

#if !defined(_WIN32) && !defined(__APPLE__)
std::unique_ptr<Autostart> makeAutostart() {
    return makeXdgAutostart(xdgConfigHome(), xdgConfigDirs());
}
#endif

}  // namespace certagent::ui
