#include "certagent/core/paths.hpp"

#include "certagent/core/platform/system.hpp"

#include <cstdlib>

namespace certagent::paths {
namespace fs = std::filesystem;
namespace {

std::optional<fs::path> env(const char* name) {
    const char* v = std::getenv(name);
    if (!v || !*v) return std::nullopt;
    return fs::path(v);
}

fs::path xdg(const char* var, const char* fallback_below_home) {
    if (auto v = env(var); v && v->is_absolute()) return *v;
    return homeDir() / fallback_below_home;
}

}  // namespace

fs::path executableDir() {
    std::error_code ec;
    auto exe = fs::read_symlink("/proc/self/exe", ec);
    if (ec) return fs::current_path();
    return exe.parent_path();
}

fs::path installPrefix() { return executableDir().parent_path(); }

fs::path pluginDir() { return installPrefix() / CERTAGENT_REL_PLUGINDIR; }

fs::path localeDir() {
    if (auto v = env("CERTAGENT_LOCALEDIR")) return *v;
    std::error_code ec;
    auto relative = installPrefix() / CERTAGENT_REL_LOCALEDIR;
    if (fs::exists(relative / "ro/LC_MESSAGES/certagent.mo", ec)) return relative;
    return CERTAGENT_INSTALL_LOCALEDIR;
}

fs::path dataDir() {
    std::error_code ec;
    auto relative = installPrefix() / CERTAGENT_REL_DATADIR;
    if (fs::is_directory(relative, ec)) return relative;
    return CERTAGENT_INSTALL_DATADIR;
}

fs::path homeDir() {
    if (auto h = env("HOME")) return *h;
    if (auto account = platform::accountHomeDir(); !account.empty()) return account;
    return fs::path("/");
}

fs::path userConfigFile() { return xdg("XDG_CONFIG_HOME", ".config") / "certagent" / "agent.toml"; }

fs::path policyFile() {
    if (auto v = env("CERTAGENT_POLICY_FILE")) return *v;
    return "/etc/certagent/policy.toml";
}

fs::path stateDir(const std::optional<fs::path>& explicit_dir) {
    if (explicit_dir && !explicit_dir->empty()) return *explicit_dir;
    if (auto v = env("CERTAGENT_STATE_DIR")) return *v;
    return xdg("XDG_STATE_HOME", ".local/state") / "certagent";
}

}  // namespace certagent::paths
