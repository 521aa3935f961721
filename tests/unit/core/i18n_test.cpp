#include <gtest/gtest.h>

#include <cstdlib>

#include "certagent/core/i18n.hpp"

using namespace certagent;

TEST(I18n, RomanianLocaleGivesRomanianTextEvenIfTheLocaleIsNotInstalled) {
    ::setenv("LANG", "ro_RO.UTF-8", 1);
    ::unsetenv("LC_ALL");
    ::unsetenv("LC_MESSAGES");
    ::unsetenv("LANGUAGE");
    i18n::init("auto");
    EXPECT_EQ(i18n::currentLanguage(), "ro");
    EXPECT_STREQ(_("Configuration is valid."), "Configurația este validă.");
}

TEST(I18n, ConfigOverrideWinsOverTheLocale) {
    ::setenv("LANG", "ro_RO.UTF-8", 1);
    i18n::init("en");
    EXPECT_EQ(i18n::currentLanguage(), "en");
    EXPECT_STREQ(_("Configuration is valid."), "Configuration is valid.");
    i18n::setLanguage("ro");
    EXPECT_STREQ(_("Configuration is valid."), "Configurația este validă.");
}

TEST(I18n, OtherLanguagesFallBackToEnglish) {
    ::setenv("LANG", "de_DE.UTF-8", 1);
    i18n::init("auto");
    EXPECT_EQ(i18n::currentLanguage(), "en");
    EXPECT_STREQ(_("Configuration is valid."), "Configuration is valid.");
}
