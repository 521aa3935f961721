#include "certagent/core/config.hpp"

#include <algorithm>
#include <cstdlib>
#include <fmt/format.h>
#include <fstream>
#include <sstream>
#include <toml++/toml.h>

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/paths.hpp"

namespace certagent::config {
namespace fs = std::filesystem;
namespace {

std::string typeDescription(const KeyDef& def) {
    switch (def.type) {
        case ValueType::Bool: return _("true or false");
        case ValueType::Int:
            if (def.min && def.max)
                return fmt::format(fmt::runtime(_("an integer from {0} to {1}")), *def.min,
                                   *def.max);
            return _("an integer");
        case ValueType::String:
            if (!def.allowed.empty()) {
                std::string list;
                for (const auto& a : def.allowed) list += (list.empty() ? "" : ", ") + a;
                return fmt::format(fmt::runtime(_("one of: {0}")), list);
            }
            return _("a string");
        case ValueType::StringList: return _("an array of strings");
        case ValueType::IntList:
            if (def.min && def.max)
                return fmt::format(fmt::runtime(_("an array of integers from {0} to {1}")),
                                   *def.min, *def.max);
            return _("an array of integers");
    }
    return {};
}

std::string nodeDescription(const toml::node& n) {
    if (n.is_string()) return fmt::format("\"{}\"", *n.value<std::string>());
    if (n.is_integer()) return std::to_string(*n.value<int64_t>());
    if (n.is_floating_point()) return fmt::format("{}", *n.value<double>());
    if (n.is_boolean()) return *n.value<bool>() ? "true" : "false";
    if (n.is_array()) return _("an array");
    if (n.is_table()) return _("a table");
    return _("a date or time");
}

bool inRange(const KeyDef& def, int64_t v) {
    return (!def.min || v >= *def.min) && (!def.max || v <= *def.max);
}

// Converts a TOML node to the key's JSON value; nullopt when it does not fit the schema.
std::optional<json> convert(const KeyDef& def, const toml::node& n) {
    switch (def.type) {
        case ValueType::Bool:
            if (auto v = n.value_exact<bool>()) return json(*v);
            return std::nullopt;
        case ValueType::Int:
            if (auto v = n.value_exact<int64_t>(); v && inRange(def, *v)) return json(*v);
            return std::nullopt;
        case ValueType::String:
            if (auto v = n.value_exact<std::string>()) {
                if (!def.allowed.empty() &&
                    std::find(def.allowed.begin(), def.allowed.end(), *v) == def.allowed.end())
                    return std::nullopt;
                return json(*v);
            }
            return std::nullopt;
        case ValueType::StringList: {
            auto* arr = n.as_array();
            if (!arr) return std::nullopt;
            json out = json::array();
            for (const auto& e : *arr) {
                auto v = e.value_exact<std::string>();
                if (!v || (def.non_empty_elements && v->empty())) return std::nullopt;
                out.push_back(*v);
            }
            return out;
        }
        case ValueType::IntList: {
            auto* arr = n.as_array();
            if (!arr) return std::nullopt;
            json out = json::array();
            for (const auto& e : *arr) {
                auto v = e.value_exact<int64_t>();
                if (!v || !inRange(def, *v)) return std::nullopt;
                out.push_back(*v);
            }
            return out;
        }
    }
    return std::nullopt;
}

// A configuration file is a few KiB; toml++ needs seconds and gigabytes for tens of MB.
constexpr std::size_t kMaxFileBytes = 1024 * 1024;

bool isLoopbackHost(std::string_view host) {
    if (host == "localhost" || host == "[::1]") return true;
    if (host.rfind("127.", 0) != 0) return false;
    return host.find_first_not_of("0123456789.") == std::string_view::npos;
}

// Values that parse but cannot be meant. Returns an error message (the value is not used), or
// adds warnings and returns nothing.
std::optional<std::string> semanticProblem(const std::string& key, const json& value,
                                           std::vector<std::string>& warnings) {
    if (key == "server.allowed_origins") {
        std::vector<std::string> plain_http;
        for (const auto& v : value) {
            const auto origin = v.get<std::string>();
            if (origin == "*")
                return std::string(_("\"*\" would let every web site ask the local server for "
                                     "signatures; list the CA portal's origin instead (e.g. "
                                     "\"https://ca.example.ro\"); the value is not used"));
            if (origin == "null")
                return std::string(_("\"null\" is the origin of local files and sandboxed "
                                     "frames, which any page can create; list the CA portal's "
                                     "origin instead; the value is not used"));
            if (origin.rfind("http://", 0) == 0) {
                std::string_view host(origin);
                host.remove_prefix(7);
                host = host.substr(0, host.find_first_of("/?#"));
                if (host.empty()) continue;
                if (host.front() != '[') host = host.substr(0, host.rfind(':'));
                else host = host.substr(0, host.find(']') + 1);
                if (!isLoopbackHost(host)) plain_http.push_back(origin);
            }
        }
        if (!plain_http.empty()) {
            std::string list;
            for (const auto& o : plain_http) list += (list.empty() ? "" : ", ") + o;
            warnings.push_back(fmt::format(
                fmt::runtime(_("{0}: plain http, so anyone on the network path can change that "
                               "page and have it ask for signatures; use https")),
                list));
        }
    } else if (key == "renewal.cmp.server" && !value.get<std::string>().empty()) {
        const auto url = value.get<std::string>();
        std::string_view host(url);
        if (url.rfind("https://", 0) == 0) return std::nullopt;
        if (url.rfind("http://", 0) != 0)
            return std::string(_("not an https:// address; the value is not used"));
        host.remove_prefix(7);
        host = host.substr(0, host.find_first_of("/?#"));
        if (!host.empty() && host.front() != '[')
            host = host.substr(0, host.rfind(':'));
        else
            host = host.substr(0, host.find(']') + 1);
        if (!isLoopbackHost(host))
            return std::string(
                _("plain http:// is allowed only to this computer (127.0.0.1, "
                  "::1, localhost); use https://. The value is not used"));
    } else if (key == "renewal.cmp.trusted" && !value.get<std::string>().empty()) {
        std::error_code ec;
        if (!fs::is_regular_file(value.get<std::string>(), ec))
            return std::string(
                _("file not found (a PEM file with the CMP server's trust "
                  "anchors); the value is not used"));
    } else if (key == "renewal.cmp.secret_file" && !value.get<std::string>().empty()) {
        std::error_code ec;
        auto st = fs::status(value.get<std::string>(), ec);
        if (ec || !fs::is_regular_file(st))
            return std::string(_("file not found (the CMP server's shared secret); the value is "
                                 "not used"));
        if ((st.permissions() & (fs::perms::group_all | fs::perms::others_all)) !=
            fs::perms::none)
            return std::string(_("other users may read this file; make it readable by you only "
                                 "(chmod 600). The value is not used"));
    } else if (key == "renewal.cmp.recipient" && !value.get<std::string>().empty() &&
               value.get<std::string>().find('=') == std::string::npos) {
        return std::string(
            _("not a distinguished name such as \"/CN=Issuing CA/O=Example\"; "
              "the value is not used"));
    } else if (key == "server.consent" && value == "test") {
        warnings.push_back(_("\"test\" grants every signing request automatically, with the PIN "
                             "from an environment variable; it is for automated tests only. "
                             "Never use it with a real token"));
    }
    return std::nullopt;
}

struct Walker {
    Layer layer;
    fs::path file;
    std::vector<Diagnostic>& diags;
    std::map<std::string, Value>& values;

    void warn(int line, const std::string& key, const std::string& msg) {
        diags.push_back({Diagnostic::Severity::Warning, file, line, key, msg});
    }
    void error(int line, const std::string& key, const std::string& msg) {
        diags.push_back({Diagnostic::Severity::Error, file, line, key, msg});
    }

    void walk(const toml::table& table, const std::string& prefix) {
        for (auto&& [k, node] : table) {
            std::string key = prefix.empty() ? std::string(k.str())
                                             : prefix + "." + std::string(k.str());
            int line = static_cast<int>(node.source().begin.line);
            if (line == 0) line = static_cast<int>(k.source().begin.line);
            if (auto* sub = node.as_table()) {
                walk(*sub, key);
                continue;
            }
            leaf(key, node, line);
        }
    }

    void leaf(const std::string& key, const toml::node& node, int line) {
        const KeyDef* def = findKey(key);
        if (!def) {
            warn(line, key, _("unknown key, ignored (check its spelling and section)"));
            return;
        }
        if (key == "policy.locked" && layer != Layer::Policy) {
            warn(line, key, _("only the policy file can lock keys; ignored"));
            return;
        }
        auto converted = convert(*def, node);
        if (!converted) {
            error(line, key,
                  fmt::format(fmt::runtime(_("expected {0}, got {1}; the value is not used")),
                              typeDescription(*def), nodeDescription(node)));
            return;
        }
        std::vector<std::string> warnings;
        if (auto problem = semanticProblem(key, *converted, warnings)) {
            error(line, key, *problem);
            return;
        }
        for (const auto& w : warnings) warn(line, key, w);
        auto it = values.find(key);
        if (it != values.end() && it->second.locked) {
            warn(line, key,
                 fmt::format(fmt::runtime(_("locked by the administrator's policy ({0}); "
                                            "this value is ignored")),
                             it->second.file.string()));
            return;
        }
        values[key] = Value{*converted, layer, file, line, false};
    }
};

}  // namespace

const char* layerName(Layer layer) {
    switch (layer) {
        case Layer::Default: return "default";
        case Layer::Policy: return "policy";
        case Layer::User: return "user";
        case Layer::Explicit: return "explicit";
    }
    return "default";
}

std::string Diagnostic::format() const {
    std::string where = file.string();
    if (line > 0) where += ":" + std::to_string(line);
    const char* sev = severity == Severity::Error ? _("error") : _("warning");
    if (key.empty()) return fmt::format("{}: {}: {}", where, sev, message);
    return fmt::format(fmt::runtime(_("{0}: {1}: key '{2}': {3}")), where, sev, key, message);
}

Config Config::defaults() {
    Config c;
    for (const auto& def : schema()) {
        if (def.key.find('*') != std::string::npos) continue;
        c.values_[def.key] = Value{def.default_value, Layer::Default, {}, 0, false};
    }
    return c;
}

Config Config::load(const LoadOptions& options) {
    Config c = defaults();
    c.applyFile(options.policy_file.value_or(paths::policyFile()), Layer::Policy, false);
    c.applyFile(options.user_file.value_or(paths::userConfigFile()), Layer::User, false);
    std::optional<fs::path> explicit_file = options.explicit_file;
    if (!explicit_file && options.read_environment) {
        if (const char* v = std::getenv("CERTAGENT_CONFIG"); v && *v) explicit_file = fs::path(v);
    }
    if (explicit_file) c.applyFile(*explicit_file, Layer::Explicit, true);
    c.checkTogether();
    return c;
}

// Keys that only make sense together: the CMP backend needs its server and trust anchors.
void Config::checkTogether() {
    const Value* backend = find("renewal.backend");
    const Value* issuers = find("renewal.cmp.issuers");
    const Value* why = nullptr;
    if (backend && backend->value == "cmp")
        why = backend;
    else if (issuers && issuers->value.is_array() && !issuers->value.empty())
        why = issuers;
    if (!why) return;
    for (const char* key : {"renewal.cmp.server", "renewal.cmp.trusted"}) {
        const Value* v = find(key);
        if (v && v->value.is_string() && !v->value.get<std::string>().empty()) continue;
        diagnostics_.push_back(
            {Diagnostic::Severity::Error, why->file, why->line, key,
             why == backend ? _("missing: renewal.backend = \"cmp\" needs it ([renewal.cmp])")
                            : _("missing: renewal.cmp.issuers needs it ([renewal.cmp])")});
    }
}

void Config::applyFile(const fs::path& file, Layer layer, bool must_exist) {
    std::error_code ec;
    if (!fs::exists(file, ec)) {
        if (must_exist)
            diagnostics_.push_back({Diagnostic::Severity::Error, file, 0, {},
                                    _("configuration file not found")});
        return;
    }
    const auto size = fs::file_size(file, ec);
    if (!ec && size > kMaxFileBytes) {
        diagnostics_.push_back(
            {Diagnostic::Severity::Error, file, 0, {},
             fmt::format(fmt::runtime(_("configuration file is larger than 1 MiB ({0} bytes); "
                                        "a configuration is a few KiB: check that this is the "
                                        "right file. The file is not used")),
                         size)});
        return;
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        diagnostics_.push_back({Diagnostic::Severity::Error, file, 0, {},
                                _("configuration file cannot be read (permissions?)")});
        return;
    }
    // Read at most one byte past the limit: the file may have grown since file_size().
    std::string text(kMaxFileBytes + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    files_.emplace_back(layer, file);
    applyDocument(text, layer, file);
}

void Config::applyDocument(const std::string& text, Layer layer, const fs::path& file) {
    if (text.size() > kMaxFileBytes) {
        diagnostics_.push_back({Diagnostic::Severity::Error, file, 0, {},
                                fmt::format(fmt::runtime(_("configuration file is larger than "
                                                           "1 MiB ({0} bytes); a configuration "
                                                           "is a few KiB: check that this is the "
                                                           "right file. The file is not used")),
                                            text.size())});
        return;
    }
    toml::table table;
    try {
        table = toml::parse(text, file.string());
    } catch (const toml::parse_error& e) {
        int line = static_cast<int>(e.source().begin.line);
        diagnostics_.push_back(
            {Diagnostic::Severity::Error, file, line, {},
             fmt::format(fmt::runtime(_("TOML syntax error: {0}; the file is not used")),
                         std::string(e.description()))});
        return;
    }
    // A file with errors still contributes its valid keys; each bad key keeps the value of
    // the layer below.
    auto first_new = diagnostics_.size();
    Walker w{layer, file, diagnostics_, values_};
    w.walk(table, "");
    // toml++ iterates keys in sorted order; report in file order instead.
    std::stable_sort(diagnostics_.begin() + static_cast<long>(first_new), diagnostics_.end(),
                     [](const Diagnostic& a, const Diagnostic& b) { return a.line < b.line; });
    if (layer == Layer::Policy) {
        auto it = values_.find("policy.locked");
        if (it != values_.end() && it->second.layer == Layer::Policy) {
            for (const auto& k : it->second.value) {
                std::string key = k.get<std::string>();
                if (!findKey(key)) {
                    diagnostics_.push_back({Diagnostic::Severity::Warning, file, it->second.line,
                                            "policy.locked",
                                            fmt::format(fmt::runtime(_("locks unknown key '{0}'")),
                                                        key)});
                    continue;
                }
                auto& v = values_[key];
                if (v.value.is_null()) v = Value{findKey(key)->default_value, Layer::Default};
                v.locked = true;
                if (v.file.empty()) v.file = file;
            }
        }
    }
}

bool Config::hasErrors() const {
    return std::any_of(diagnostics_.begin(), diagnostics_.end(), [](const Diagnostic& d) {
        return d.severity == Diagnostic::Severity::Error;
    });
}

void Config::throwIfErrors() const {
    std::string all;
    for (const auto& d : diagnostics_)
        if (d.severity == Diagnostic::Severity::Error) all += (all.empty() ? "" : "\n") + d.format();
    if (!all.empty()) throw Error(ErrorKind::Config, all);
}

const Value* Config::find(const std::string& key) const {
    auto it = values_.find(key);
    return it == values_.end() ? nullptr : &it->second;
}

bool Config::isLocked(const std::string& key) const {
    auto* v = find(key);
    return v && v->locked;
}

const Value& Config::require(const std::string& key) const {
    auto* v = find(key);
    if (!v) throw Error(ErrorKind::Internal, "configuration key not in schema: " + key);
    return *v;
}

bool Config::getBool(const std::string& key) const { return require(key).value.get<bool>(); }
int64_t Config::getInt(const std::string& key) const { return require(key).value.get<int64_t>(); }
std::string Config::getString(const std::string& key) const {
    auto* v = find(key);
    if (!v) {
        // Pattern keys (tokens.*.module) have no entry until a file sets them.
        if (const KeyDef* def = findKey(key)) return def->default_value.get<std::string>();
        throw Error(ErrorKind::Internal, "configuration key not in schema: " + key);
    }
    return v->value.get<std::string>();
}
std::vector<std::string> Config::getStrings(const std::string& key) const {
    return require(key).value.get<std::vector<std::string>>();
}
std::vector<int64_t> Config::getInts(const std::string& key) const {
    return require(key).value.get<std::vector<int64_t>>();
}

json Config::toJson() const {
    json out = json::object();
    for (const auto& [key, v] : values_) {
        json entry = {{"value", v.value}, {"layer", layerName(v.layer)}, {"locked", v.locked}};
        if (!v.file.empty()) entry["file"] = v.file.string();
        if (v.line > 0) entry["line"] = v.line;
        out[key] = entry;
    }
    return out;
}

}  // namespace certagent::config
