#include "certagent/core/token/token_profile.hpp"

#include "certagent/core/error.hpp"
#include "certagent/core/log.hpp"
#include "certagent/core/token/module_discovery.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace certagent::token {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

char lowerChar(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

// Shell-style match with '*' only, case-insensitive.
bool globMatch(std::string_view pattern, std::string_view text) {
    std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
    while (t < text.size()) {
        if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            mark = t;
        } else if (p < pattern.size() && lowerChar(pattern[p]) == lowerChar(text[t])) {
            ++p;
            ++t;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            t = ++mark;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*') ++p;
    return p == pattern.size();
}

std::uint16_t hex16(const std::string& s, const std::string& where) {
    try {
        std::size_t used = 0;
        unsigned long v = std::stoul(s, &used, 16);
        if (used == s.size() && v <= 0xffff) return static_cast<std::uint16_t>(v);
    } catch (const std::exception&) {
    }
    throw Error(ErrorKind::Plugin, fmt::format("token profile: bad USB id '{}'", s), where);
}

template <typename T>
T get(const json& j, const char* key, T fallback, const std::string& where) {
    if (!j.contains(key)) return fallback;
    try {
        return j.at(key).get<T>();
    } catch (const json::exception& e) {
        throw Error(ErrorKind::Plugin, fmt::format("token profile: key '{}': {}", key, e.what()),
                    where);
    }
}

}  // namespace

int TokenInfoRule::specificity() const noexcept {
    return !manufacturer.empty() + !model.empty() + !label.empty();
}

bool TokenInfoRule::matches(const TokenInfo& token) const {
    return specificity() > 0 && (manufacturer.empty() || globMatch(manufacturer, token.manufacturer)) &&
           (model.empty() || globMatch(model, token.model)) &&
           (label.empty() || globMatch(label, token.label));
}

bool TokenProfile::supports(KeyType type) const {
    return std::find(keyTypes.begin(), keyTypes.end(), type) != keyTypes.end();
}

TokenProfile parseTokenProfile(const json& j) {
    if (!j.is_object()) throw Error(ErrorKind::Plugin, "token profile: not a JSON object");
    TokenProfile p;
    p.name = get<std::string>(j, "name", "", "profile");
    const std::string where = p.name.empty() ? std::string("profile") : p.name;
    if (p.name.empty()) throw Error(ErrorKind::Plugin, "token profile: 'name' is missing");
    p.vendor = get<std::string>(j, "vendor", "", where);
    p.product = get<std::string>(j, "product", "", where);
    p.generic = get<bool>(j, "generic", false, where);
    for (const auto& u : get<json>(j, "usb", json::array(), where)) {
        p.usbIds.push_back(UsbId{hex16(get<std::string>(u, "vid", "", where), where),
                                 hex16(get<std::string>(u, "pid", "", where), where),
                                 get<std::string>(u, "name", "", where)});
    }
    for (const auto& r : get<json>(j, "token_info", json::array(), where)) {
        p.tokenInfo.push_back(TokenInfoRule{get<std::string>(r, "manufacturer", "", where),
                                            get<std::string>(r, "model", "", where),
                                            get<std::string>(r, "label", "", where)});
    }
    const json modules = get<json>(j, "modules", json::object(), where);  // items() needs an lvalue
    for (const auto& [os, list] : modules.items())
        p.modules[os] = list.get<std::vector<std::string>>();
    for (const auto& k : get<std::vector<std::string>>(j, "key_types", {}, where)) {
        auto t = parseKeyType(k);
        if (!t) throw Error(ErrorKind::Plugin, fmt::format("token profile: unknown key type '{}'", k), where);
        p.keyTypes.push_back(*t);
    }
    json pin = get<json>(j, "pin", json::object(), where);
    p.minPinLength = get<unsigned>(pin, "min", 0, where);
    p.maxPinLength = get<unsigned>(pin, "max", 0, where);
    if (pin.contains("tries")) p.pinTries = get<int>(pin, "tries", 0, where);
    p.unblockPinName = get<std::string>(pin, "unblock_name", "", where);
    for (const auto& d : get<json>(j, "drivers", json::array(), where))
        p.drivers.push_back(DriverLink{get<std::string>(d, "os", "", where),
                                       get<std::string>(d, "url", "", where),
                                       get<std::string>(d, "note", "", where)});
    // {"name": "...", "<os>": "path" | ["path", ...]}
    const json tool = get<json>(j, "vendor_tool", json::object(), where);
    if (!tool.is_object())
        throw Error(ErrorKind::Plugin, "token profile: 'vendor_tool' is not an object", where);
    for (const auto& [key, value] : tool.items()) {
        if (key == "name") {
            p.vendorTool.name = get<std::string>(tool, "name", "", where);
        } else if (value.is_string()) {
            p.vendorTool.paths[key] = {value.get<std::string>()};
        } else {
            p.vendorTool.paths[key] = get<std::vector<std::string>>(tool, key.c_str(), {}, where);
        }
    }
    p.quirks = get<std::vector<std::string>>(j, "quirks", {}, where);
    std::vector<std::string> unknown;
    p.quirkFlags = quirksFromNames(p.quirks, &unknown);
    for (const auto& name : unknown)
        log::warn("token", "token profile {}: unknown quirk '{}' ignored", where, name);
    if (p.quirkFlags.usbIsOnlySign && p.usbIds.empty())
        throw Error(ErrorKind::Plugin,
                    "token profile: quirk 'not_ccid_detect_by_usb_id' needs the token's 'usb' "
                    "ids (they are the only sign of it)",
                    where);
    return p;
}

std::vector<DriverLink> TokenProfile::driversForThisOs() const {
    std::vector<DriverLink> out;
    for (const auto& d : drivers)
        if (d.os == currentOs()) out.push_back(d);
    return out;
}

std::optional<fs::path> installedVendorTool(const TokenProfile& profile) {
    auto it = profile.vendorTool.paths.find(currentOs());
    if (it == profile.vendorTool.paths.end()) return std::nullopt;
    for (const auto& candidate : it->second) {
        std::error_code ec;
        const fs::path path(candidate);
        if (!path.is_absolute()) continue;  // never looked up in PATH or the working folder
        if (fs::is_regular_file(path, ec)) return path;
        if (std::string_view(currentOs()) == "macos" && path.extension() == ".app" &&
            fs::is_directory(path, ec))
            return path;
    }
    return std::nullopt;
}

const char* currentOs() noexcept {
#if defined(_WIN32)
    return "windows";
#elif defined(__APPLE__)
    return "macos";
#else
    return "linux";
#endif
}

std::vector<ModuleSpec> resolveModules(const std::vector<TokenProfile>& profiles,
                                       const std::map<std::string, std::string>& overrides,
                                       const std::vector<std::string>& extraModules,
                                       bool useP11Kit) {
    std::vector<ModuleSpec> out;
    for (const auto& p : profiles) {
        if (auto o = overrides.find(p.name); o != overrides.end() && !o->second.empty()) {
            out.push_back({o->second, p.name, ModuleSource::Plugin});
            continue;
        }
        auto it = p.modules.find(currentOs());
        if (it == p.modules.end()) continue;
        std::vector<fs::path> candidates(it->second.begin(), it->second.end());
        if (p.quirkFlags.vendorModuleBeforeOpenSc)
            // OpenSC reads only tokens it initialised itself (OpenSC issue 3834): the vendor's
            // module first, whatever order the profile lists them in.
            std::stable_partition(candidates.begin(), candidates.end(), [](const fs::path& c) {
                return c.filename().string().find("opensc") == std::string::npos;
            });
        if (auto found = firstExisting(candidates)) out.push_back({*found, p.name, ModuleSource::Plugin});
    }
    for (const auto& m : extraModules) out.push_back({m, {}, ModuleSource::Config});
    if (useP11Kit) {
        auto more = p11KitModuleSpecs();
        out.insert(out.end(), more.begin(), more.end());
    }
    return out;
}

std::string claimToken(const std::vector<TokenProfile>& profiles, const TokenInfo& token,
                       const ModuleSpec& spec, const CustomClaim& custom) {
    std::string best;
    int bestScore = 0;
    auto offer = [&](const std::string& name, int score) {
        if (score > bestScore) {
            best = name;
            bestScore = score;
        }
    };
    for (const auto& p : profiles) {
        if (custom)
            if (auto s = custom(p.name, token); s && *s > 0) offer(p.name, 1000 + *s);
        for (const auto& r : p.tokenInfo)
            if (r.matches(token)) offer(p.name, 100 + r.specificity());
        if (!p.generic && spec.plugin == p.name) offer(p.name, 50);
        if (p.generic) offer(p.name, 1);
    }
    if (best.empty()) return spec.plugin.empty() ? std::string("generic-pkcs11") : spec.plugin;
    return best;
}

}  // namespace certagent::token
