/* The part of GNU gettext's libintl.h that certagent uses, for tests/windows-syntax-check.sh.
 * On Windows, libintl.h comes from gettext-runtime (vcpkg's gettext-libintl, MSYS2's
 * gettext); Debian's is glibc's own and does not compile there. Like gettext's header, this
 * one supplies LC_MESSAGES, which the Windows C runtime's locale.h lacks. */
#ifndef CERTAGENT_CHECK_LIBINTL_H
#define CERTAGENT_CHECK_LIBINTL_H

#include <locale.h>

#ifndef LC_MESSAGES
#define LC_MESSAGES 1729
#endif

#ifdef __cplusplus
extern "C" {
#endif

char* gettext(const char* msgid);
char* dgettext(const char* domainname, const char* msgid);
char* ngettext(const char* msgid1, const char* msgid2, unsigned long n);
char* dngettext(const char* domainname, const char* msgid1, const char* msgid2, unsigned long n);
char* textdomain(const char* domainname);
char* bindtextdomain(const char* domainname, const char* dirname);
char* bind_textdomain_codeset(const char* domainname, const char* codeset);

#ifdef __cplusplus
}
#endif

#endif
