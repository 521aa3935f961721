#pragma once
// libcurl, loaded on first use. The tray and the daemon start without it: libcurl brings in
// GnuTLS, Kerberos, LDAP and friends (about 3 MB resident), and it is needed only when the
// agent talks to a server. On Linux it is dlopen()ed (CERTAGENT_CURL_DLOPEN); elsewhere these
// are the linked functions. Callers use the returned table instead of calling curl_* directly.
//
//   const auto& cu = http::curl::api();   // throws Error(Internal) naming the missing library
//   CURL* c = cu.easy_init();
//   cu.easy_setopt(c, CURLOPT_URL, url);
#include <curl/curl.h>

namespace certagent::http::curl {

struct Api {
    CURL* (*easy_init)();
    CURLcode (*easy_setopt)(CURL*, CURLoption, ...);
    CURLcode (*easy_perform)(CURL*);
    CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...);
    void (*easy_reset)(CURL*);
    void (*easy_cleanup)(CURL*);
    const char* (*easy_strerror)(CURLcode);
    struct curl_slist* (*slist_append)(struct curl_slist*, const char*);
    void (*slist_free_all)(struct curl_slist*);
    // The URL parser (curl_url_*): the same one CURLOPT_URL uses, so a URL's host is judged
    // exactly as curl will connect to it.
    CURLU* (*url)();
    void (*url_cleanup)(CURLU*);
    CURLUcode (*url_set)(CURLU*, CURLUPart, const char*, unsigned int);
    CURLUcode (*url_get)(const CURLU*, CURLUPart, char**, unsigned int);
    void (*free)(void*);
};

// The table, with curl_global_init done once. Thread-safe. A failed load throws and is tried
// again on the next call.
const Api& api();

}  // namespace certagent::http::curl
