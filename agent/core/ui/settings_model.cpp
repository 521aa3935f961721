#include "certagent/core/ui/settings_model.hpp"

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <sstream>
#include <toml++/toml.h>

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"

namespace certagent::ui {
namespace {

namespace fs = std::filesystem;

std::string fieldName(const std::string& key) {
    if (key == "reminders.days_before") return _("Remind me before expiry (days)");
    if (key == "renewal.portal_url") return _("Renewal portal address");
    if (key == "ui.autostart") return _("Start with the session");
    if (key == "ui.language") return _("Language");
    if (key == "ui.pin_cache") return _("Remember the PIN until I log out");
    return key;
}

std::string tomlQuote(const std::string& s) {
    std::ostringstream out;
    out << toml::value<std::string>(s);
    return out.str();
}

}  // namespace

SettingsModel::SettingsModel(const config::Config& effective, fs::path userFile)
    : effective_(effective), userFile_(std::move(userFile)) {
    initial_.daysBefore = effective.getInts("reminders.days_before");
    initial_.portalUrl = effective.getString("renewal.portal_url");
    initial_.autostart = effective.getBool("ui.autostart");
    initial_.language = effective.getString("ui.language");
    initial_.pinCache = effective.getBool("ui.pin_cache");
}

bool SettingsModel::isLocked(const std::string& key) const { return effective_.isLocked(key); }

std::vector<int64_t> SettingsModel::parseThresholds(const std::string& text) {
    std::vector<int64_t> out;
    std::string token;
    auto flush = [&] {
        if (token.empty()) return;
        size_t used = 0;
        long long v = 0;
        try {
            v = std::stoll(token, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used != token.size())
            throw Error(ErrorKind::InvalidInput,
                        fmt::format(fmt::runtime(_("„{0}” is not a number of days.")), token));
        out.push_back(v);
        token.clear();
    };
    for (char c : text) {
        if (c == ',' || c == ' ' || c == ';' || c == '\t')
            flush();
        else
            token += c;
    }
    flush();
    return out;
}

std::string SettingsModel::formatThresholds(const std::vector<int64_t>& days) {
    std::string s;
    for (size_t i = 0; i < days.size(); ++i) s += (i ? ", " : "") + std::to_string(days[i]);
    return s;
}

std::string SettingsModel::changesAsToml(const SettingsValues& v) const {
    std::map<std::string, std::map<std::string, std::string>> tables;
    auto put = [&](const std::string& key, std::string value) {
        auto dot = key.find('.');
        tables[key.substr(0, dot)][key.substr(dot + 1)] = std::move(value);
    };
    if (v.daysBefore != initial_.daysBefore) {
        std::string list = "[";
        for (size_t i = 0; i < v.daysBefore.size(); ++i)
            list += (i ? ", " : "") + std::to_string(v.daysBefore[i]);
        put("reminders.days_before", list + "]");
    }
    if (v.portalUrl != initial_.portalUrl) put("renewal.portal_url", tomlQuote(v.portalUrl));
    if (v.autostart != initial_.autostart) put("ui.autostart", v.autostart ? "true" : "false");
    if (v.language != initial_.language) put("ui.language", tomlQuote(v.language));
    if (v.pinCache != initial_.pinCache) put("ui.pin_cache", v.pinCache ? "true" : "false");
    std::string doc;
    for (const auto& [table, keys] : tables) {
        doc += "[" + table + "]\n";
        for (const auto& [k, value] : keys) doc += k + " = " + value + "\n";
    }
    return doc;
}

std::vector<std::string> SettingsModel::validate(const SettingsValues& values) const {
    std::vector<std::string> problems;
    if (values.daysBefore.empty())
        problems.push_back(fmt::format(fmt::runtime(_("{0}: give at least one number of days.")),
                                       fieldName("reminders.days_before")));
    // HTTPS only: the renewal protocol logs in with the token's certificate (docs/portal-api.md).
    if (values.portalUrl.rfind("https://", 0) != 0 || values.portalUrl.size() <= 8)
        problems.push_back(fmt::format(
            fmt::runtime(_("{0}: the address must start with https://.")),
            fieldName("renewal.portal_url")));
    // The schema decides the rest (ranges, allowed values), exactly as when the file is loaded.
    auto doc = changesAsToml(values);
    if (!doc.empty()) {
        auto check = config::Config::defaults();
        check.applyDocument(doc, config::Layer::User, userFile_);
        for (const auto& d : check.diagnostics())
            if (d.severity == config::Diagnostic::Severity::Error)
                problems.push_back(fmt::format("{}: {}", fieldName(d.key), d.message));
    }
    return problems;
}

std::vector<std::string> SettingsModel::save(const SettingsValues& values) {
    auto problems = validate(values);
    if (!problems.empty()) {
        std::string all;
        for (const auto& p : problems) all += (all.empty() ? "" : "\n") + p;
        throw Error(ErrorKind::Config, all, userFile_.string());
    }
    toml::table root;
    std::error_code ec;
    if (fs::exists(userFile_, ec)) {
        try {
            root = toml::parse_file(userFile_.string());
        } catch (const toml::parse_error& e) {
            throw Error(ErrorKind::Config,
                        fmt::format(fmt::runtime(_("The settings file cannot be read: {0}")),
                                    std::string(e.description())),
                        userFile_.string());
        }
    }
    std::vector<std::string> written;
    auto table = [&](const std::string& name) -> toml::table& {
        auto* t = root[name].as_table();
        if (!t) {
            root.insert_or_assign(name, toml::table{});
            t = root[name].as_table();
        }
        return *t;
    };
    auto set = [&](const std::string& key, auto&& value) {
        if (isLocked(key)) return;
        auto dot = key.find('.');
        table(key.substr(0, dot)).insert_or_assign(key.substr(dot + 1),
                                                   std::forward<decltype(value)>(value));
        written.push_back(key);
    };
    if (values.daysBefore != initial_.daysBefore) {
        toml::array a;
        for (auto d : values.daysBefore) a.push_back(d);
        set("reminders.days_before", std::move(a));
    }
    if (values.portalUrl != initial_.portalUrl) set("renewal.portal_url", values.portalUrl);
    if (values.autostart != initial_.autostart) set("ui.autostart", values.autostart);
    if (values.language != initial_.language) set("ui.language", values.language);
    if (values.pinCache != initial_.pinCache) set("ui.pin_cache", values.pinCache);
    if (written.empty()) return written;

    // Write beside the file, then rename: a crash leaves the old file or the new one.
    fs::create_directories(userFile_.parent_path(), ec);
    auto tmp = userFile_;
    tmp += ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << root << "\n";
        out.close();
        if (!out)
            throw Error(ErrorKind::Io,
                        fmt::format(fmt::runtime(_("The settings could not be saved: {0}")),
                                    std::strerror(errno)),
                        tmp.string());
    }
    fs::rename(tmp, userFile_, ec);
    if (ec)
        throw Error(ErrorKind::Io,
                    fmt::format(fmt::runtime(_("The settings could not be saved: {0}")),
                                ec.message()),
                    userFile_.string());
    initial_ = values;
    return written;
}

}  // namespace certagent::ui
