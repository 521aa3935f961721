#pragma once
// Every user-visible string goes through gettext (domain "certagent").
//   _("text")   translate now
//   N_("text")  mark for extraction, translate later with tr()
// Formatting: fmt with positional arguments, so translators may reorder: _("{0} of {1}").
#include <chrono>
#include <string>

namespace certagent::i18n {

inline constexpr const char* kDomain = "certagent";

// Sets up the locale and binds the catalog. language: "auto" (follow the locale), "ro" or "en".
// Works even when the system has not generated the user's locale (falls back to C.UTF-8 and
// picks the language from LANGUAGE / LC_ALL / LC_MESSAGES / LANG).
void init(const std::string& language = "auto");

// Switch language later (config override read after init).
void setLanguage(const std::string& language);

// The language in use: "ro" or "en".
std::string currentLanguage();

const char* tr(const char* msgid);
const char* trn(const char* singular, const char* plural, unsigned long n);

// A moment in local time as a reader of the current language writes it: the formats are
// translatable strings (en "2026-12-13" and "2026-12-13 10:00", ro "13.12.2026" and
// "13.12.2026, ora 10:00").
std::string dateText(std::chrono::system_clock::time_point t);
std::string dateTimeText(std::chrono::system_clock::time_point t);
// The same for an ISO 8601 time kept as text (reports, journals); other text is returned as is.
std::string dateTimeText(const std::string& iso8601);

// Where catalogs are looked up: $CERTAGENT_LOCALEDIR, else the install dir, else the build tree.
std::string localeDir();

}  // namespace certagent::i18n

#ifndef _
#define _(s) ::certagent::i18n::tr(s)
#endif
#define N_(s) s
