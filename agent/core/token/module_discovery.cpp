#include "certagent/core/token/module_discovery.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>

namespace certagent::token {

namespace fs = std::filesystem;

namespace {

std::string trim(std::string s) {
    auto notSpace = [](unsigned char c) { return !std::isspace(c); };
    s.erase(s.begin(), std::find_if(s.begin(), s.end(), notSpace));
    s.erase(std::find_if(s.rbegin(), s.rend(), notSpace).base(), s.end());
    return s;
}

bool isYes(const std::string& v) { return v == "yes" || v == "true" || v == "1"; }

}  // namespace

std::vector<fs::path> defaultP11KitConfigDirs() {
#ifdef CERTAGENT_P11KIT_PACKAGE_CONFIGS
    std::vector<fs::path> dirs = {CERTAGENT_P11KIT_PACKAGE_CONFIGS, CERTAGENT_P11KIT_SYSTEM_CONFIGS};
    if (const char* home = std::getenv("HOME"); home && *home)
        dirs.push_back(fs::path(home) / ".config/pkcs11/modules");
    dirs.erase(std::unique(dirs.begin(), dirs.end()), dirs.end());
    return dirs;
#else
    return {};
#endif
}

fs::path defaultP11KitModuleDir() {
#ifdef CERTAGENT_P11KIT_MODULE_PATH
    return CERTAGENT_P11KIT_MODULE_PATH;
#else
    return {};
#endif
}

std::vector<P11KitModuleFile> readP11KitModules(const std::vector<fs::path>& dirs,
                                                const fs::path& moduleDir) {
    std::map<std::string, P11KitModuleFile> byName;  // later folders override earlier ones
    std::map<std::string, bool> enabled;
    for (const auto& dir : dirs) {
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator(dir, ec)) {
            if (entry.path().extension() != ".module") continue;
            std::ifstream in(entry.path());
            P11KitModuleFile m;
            m.file = entry.path();
            bool on = true;
            std::string line;
            while (std::getline(in, line)) {
                line = trim(line);
                if (line.empty() || line[0] == '#') continue;
                auto colon = line.find(':');
                if (colon == std::string::npos) continue;
                std::string key = trim(line.substr(0, colon));
                std::string value = trim(line.substr(colon + 1));
                if (key == "module") m.module = value;
                else if (key == "trust-policy") m.trustPolicy = isYes(value);
                else if (key == "enable-in" || key == "disable-in") {
                    // Only the named programs are affected; certagent is none of them.
                    if (key == "enable-in" && value.find("certagent") == std::string::npos)
                        on = false;
                }
            }
            if (!m.module.empty() && m.module.is_relative()) m.module = moduleDir / m.module;
            const std::string name = entry.path().filename().string();
            enabled[name] = on && !m.module.empty();
            byName[name] = std::move(m);
        }
    }
    std::vector<P11KitModuleFile> out;
    for (auto& [name, m] : byName)
        if (enabled[name]) out.push_back(std::move(m));
    return out;
}

std::vector<ModuleSpec> p11KitModuleSpecs(const std::vector<fs::path>& dirs,
                                          const fs::path& moduleDir) {
    std::vector<ModuleSpec> out;
    for (const auto& m : readP11KitModules(dirs, moduleDir)) {
        if (m.trustPolicy) continue;
        out.push_back(ModuleSpec{m.module, {}, ModuleSource::P11Kit});
    }
    return out;
}

std::optional<fs::path> firstExisting(const std::vector<fs::path>& candidates) {
    for (const auto& c : candidates) {
        std::error_code ec;
        if (fs::is_regular_file(c, ec)) return c;
    }
    return std::nullopt;
}

}  // namespace certagent::token
