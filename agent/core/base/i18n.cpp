#include "certagent/core/i18n.hpp"

#include "certagent/core/clock.hpp"
#include "certagent/core/paths.hpp"
#include "certagent/core/platform/system.hpp"

#include <clocale>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <libintl.h>
#include <mutex>
#include <string>

namespace certagent::i18n {
namespace {

std::mutex g_mutex;
std::string g_language = "en";

// "ro_RO.UTF-8" -> "ro"; "" when unset or C/POSIX.
std::string languageOf(const char* value) {
    if (!value || !*value) return {};
    std::string v = value;
    if (v == "C" || v == "POSIX" || v.rfind("C.", 0) == 0) return {};
    auto end = v.find_first_of("_.@:");
    return v.substr(0, end);
}

// The language the environment asks for, in POSIX precedence order.
std::string languageFromEnvironment() {
    // LANGUAGE is a priority list ("ro:en"); its first entry wins when a locale is set.
    for (const char* var : {"LC_ALL", "LC_MESSAGES", "LANG"}) {
        if (const char* v = std::getenv(var); v && *v) {
            auto lang = languageOf(v);
            if (const char* list = std::getenv("LANGUAGE"); list && *list && !lang.empty())
                return languageOf(list);
            return lang;
        }
    }
    return {};
}

void apply(const std::string& requested) {
    std::string lang = requested;
    if (lang.empty() || lang == "auto") lang = languageFromEnvironment();
    if (lang != "ro") lang = "en";  // catalogs we ship; English is the source language
    g_language = lang;
    // LANGUAGE steers gettext's catalog choice even when the locale itself is C.UTF-8 (a
    // Romanian user on a machine where ro_RO.UTF-8 was never generated still gets Romanian).
    platform::setEnvironment("LANGUAGE", lang);
    const char* current = std::setlocale(LC_MESSAGES, nullptr);
    if (!current || std::string(current) == "C") std::setlocale(LC_MESSAGES, "C.UTF-8");
    // gettext caches lookups; changing textdomain invalidates the cache.
    textdomain(kDomain);
}

std::string localTime(std::chrono::system_clock::time_point t, const char* format) {
    std::time_t tt = std::chrono::system_clock::to_time_t(t);
    const std::tm tm = platform::localTime(tt);
    char buf[64];
    // The format is a translation of a fixed msgid, not outside input.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    auto n = std::strftime(buf, sizeof buf, format, &tm);
#pragma GCC diagnostic pop
    return std::string(buf, n);
}

}  // namespace

std::string dateText(std::chrono::system_clock::time_point t) {
    // TRANSLATORS: strftime format of a date (day, month, year) in the user's local time.
    return localTime(t, _("%Y-%m-%d"));
}

std::string dateTimeText(std::chrono::system_clock::time_point t) {
    // TRANSLATORS: strftime format of a date and time of day in the user's local time.
    return localTime(t, _("%Y-%m-%d %H:%M"));
}

std::string dateTimeText(const std::string& iso8601) {
    try {
        return dateTimeText(parseIso8601(iso8601));
    } catch (const std::exception&) {
        return iso8601;
    }
}

std::string localeDir() {
    if (const char* v = std::getenv("CERTAGENT_LOCALEDIR"); v && *v) return v;
    return paths::localeDir().string();
}

void init(const std::string& language) {
    std::lock_guard lock(g_mutex);
    if (!std::setlocale(LC_ALL, "")) std::setlocale(LC_ALL, "C.UTF-8");
    bindtextdomain(kDomain, localeDir().c_str());
    bind_textdomain_codeset(kDomain, "UTF-8");
    apply(language);
}

void setLanguage(const std::string& language) {
    std::lock_guard lock(g_mutex);
    apply(language);
}

std::string currentLanguage() {
    std::lock_guard lock(g_mutex);
    return g_language;
}

const char* tr(const char* msgid) { return dgettext(kDomain, msgid); }

const char* trn(const char* singular, const char* plural, unsigned long n) {
    return dngettext(kDomain, singular, plural, n);
}

}  // namespace certagent::i18n
