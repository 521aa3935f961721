// Start with the session on macOS: ~/Library/LaunchAgents/ro.certagent.tray.plist with
// RunAtLoad (launchd reads it at the next login).
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>

#include "certagent/core/ui/autostart.hpp"

namespace certagent::ui {
namespace {

namespace fs = std::filesystem;

std::string xmlEscape(const std::string& s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            default: out += c;
        }
    }
    return out;
}

class LaunchAgentAutostart final : public Autostart {
public:
    explicit LaunchAgentAutostart(fs::path home)
        : file_(home / "Library" / "LaunchAgents" / "ro.certagent.tray.plist") {}

    bool isEnabled() const override { return fs::exists(file_); }

    void setEnabled(bool enabled, const AutostartSpec& spec) override {
        std::error_code ec;
        if (!enabled) {
            fs::remove(file_, ec);
            return;
        }
        fs::create_directories(file_.parent_path(), ec);
        std::ofstream out(file_, std::ios::trunc);
        out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
               "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
               "<plist version=\"1.0\">\n<dict>\n"
               "  <key>Label</key><string>ro.certagent.tray</string>\n"
               "  <key>ProgramArguments</key>\n  <array>\n"
            << "    <string>" << xmlEscape(spec.executable.string()) << "</string>\n";
        for (const auto& a : spec.arguments) out << "    <string>" << xmlEscape(a) << "</string>\n";
        out << "  </array>\n"
               "  <key>RunAtLoad</key><true/>\n"
               "  <key>ProcessType</key><string>Interactive</string>\n"
               "</dict>\n</plist>\n";
        if (!out) throw std::runtime_error("cannot write " + file_.string());
    }

    std::string location() const override { return file_.string(); }

private:
    fs::path file_;
};

}  // namespace

std::unique_ptr<Autostart> makeAutostart() {
    const char* home = std::getenv("HOME");
    return std::make_unique<LaunchAgentAutostart>(home ? fs::path(home) : fs::path("/"));
}

}  // namespace certagent::ui
