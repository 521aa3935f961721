/* The libiconv API, for tests/windows-syntax-check.sh: Debian's libxml2 headers are configured
 * with iconv, and glibc's iconv.h does not compile for Windows (a Windows libxml2 built with
 * iconv takes it from libiconv). */
#ifndef CERTAGENT_CHECK_ICONV_H
#define CERTAGENT_CHECK_ICONV_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef void* iconv_t;
iconv_t iconv_open(const char* tocode, const char* fromcode);
size_t iconv(iconv_t cd, char** inbuf, size_t* inbytesleft, char** outbuf, size_t* outbytesleft);
int iconv_close(iconv_t cd);

#ifdef __cplusplus
}
#endif

#endif
