#include "certagent/core/token/module_discovery.hpp"

#include <algorithm>
#include <cctype>
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

std::string currentProgramName() {
    std::error_code ec;
    // /proc/self/exe names the binary even when argv[0] was a symlink or a relative path.
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? std::string() : exe.filename().string();
}

bool p11KitProgramListHas(std::string_view list, std::string_view program) {
    if (program.empty()) return false;
    auto isSeparator = [](char c) { return c == ',' || std::isspace(static_cast<unsigned char>(c)); };
    std::size_t i = 0;
    while (i < list.size()) {
        while (i < list.size() && isSeparator(list[i])) ++i;
        std::size_t start = i;
        while (i < list.size() && !isSeparator(list[i])) ++i;
        if (i > start && list.substr(start, i - start) == program) return true;
    }
    return false;
}

std::pair<P11KitModuleFile, bool> parseP11KitModule(std::string_view text,
                                                    const fs::path& moduleDir,
                                                    std::string_view program) {
    P11KitModuleFile m;
    std::optional<std::string> enableIn, disableIn;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t eol = text.find('\n', pos);
        if (eol == std::string_view::npos) eol = text.size();
        std::string line = trim(std::string(text.substr(pos, eol - pos)));
        pos = eol + 1;
        if (line.empty() || line[0] == '#') continue;
        auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string key = trim(line.substr(0, colon));
        std::string value = trim(line.substr(colon + 1));
        if (key == "module") m.module = value;
        else if (key == "trust-policy") m.trustPolicy = isYes(value);
        else if (key == "enable-in") enableIn = value;
        else if (key == "disable-in") disableIn = value;
    }
    if (!m.module.empty() && m.module.is_relative()) m.module = moduleDir / m.module;
    bool on = true;
    if (enableIn)
        on = p11KitProgramListHas(*enableIn, program);
    else if (disableIn)
        on = !p11KitProgramListHas(*disableIn, program);
    return {std::move(m), on && !m.module.empty()};
}

std::vector<P11KitModuleFile> readP11KitModules(const std::vector<fs::path>& dirs,
                                                const fs::path& moduleDir,
                                                std::string_view program) {
    std::map<std::string, P11KitModuleFile> byName;  // later folders override earlier ones
    std::map<std::string, bool> enabled;
    for (const auto& dir : dirs) {
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator(dir, ec)) {
            if (entry.path().extension() != ".module") continue;
            std::ifstream in(entry.path(), std::ios::binary);
            // A module file is a few lines; more than 64 KiB is not one.
            std::string text(64 * 1024, '\0');
            in.read(text.data(), static_cast<std::streamsize>(text.size()));
            text.resize(static_cast<std::size_t>(in.gcount()));
            auto [m, on] = parseP11KitModule(text, moduleDir, program);
            m.file = entry.path();
            const std::string name = entry.path().filename().string();
            enabled[name] = on;
            byName[name] = std::move(m);
        }
    }
    std::vector<P11KitModuleFile> out;
    for (auto& [name, m] : byName)
        if (enabled[name]) out.push_back(std::move(m));
    return out;
}

std::vector<ModuleSpec> p11KitModuleSpecs(const std::vector<fs::path>& dirs,
                                          const fs::path& moduleDir, std::string_view program) {
    std::vector<ModuleSpec> out;
    for (const auto& m : readP11KitModules(dirs, moduleDir, program)) {
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
