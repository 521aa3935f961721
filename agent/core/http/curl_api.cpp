#include "certagent/core/http/curl_api.hpp"

#include <fmt/format.h>

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"

#ifdef CERTAGENT_CURL_DLOPEN
#include "certagent/core/platform/dynamic_library.hpp"
#endif

namespace certagent::http::curl {
namespace {

#ifdef CERTAGENT_CURL_DLOPEN
// The soname this build was compiled against (Debian: libcurl4, the OpenSSL flavour, which the
// client-key callback needs).
constexpr const char* kLibrary = "libcurl.so.4";

template <typename Fn>
void bind(const platform::DynamicLibrary& library, Fn& fn, const char* name) {
    fn = library.function<Fn>(name);
    if (!fn)
        throw Error(
            ErrorKind::Internal,
            fmt::format(fmt::runtime(_("The network library {0} has no {1}")), kLibrary, name),
            kLibrary);
}

Api load() {
    // Stays loaded for the rest of the process: handles and callbacks may outlive any caller.
    platform::DynamicLibrary library(kLibrary);
    if (!library) {
        throw Error(ErrorKind::Internal,
                    fmt::format(fmt::runtime(_("The network library {0} cannot be loaded ({1}); "
                                               "install the libcurl4 package")),
                                kLibrary, library.error()),
                    kLibrary);
    }
    Api a{};
    bind(library, a.easy_init, "curl_easy_init");
    bind(library, a.easy_setopt, "curl_easy_setopt");
    bind(library, a.easy_perform, "curl_easy_perform");
    bind(library, a.easy_getinfo, "curl_easy_getinfo");
    bind(library, a.easy_reset, "curl_easy_reset");
    bind(library, a.easy_cleanup, "curl_easy_cleanup");
    bind(library, a.easy_strerror, "curl_easy_strerror");
    bind(library, a.slist_append, "curl_slist_append");
    bind(library, a.slist_free_all, "curl_slist_free_all");
    bind(library, a.url, "curl_url");
    bind(library, a.url_cleanup, "curl_url_cleanup");
    bind(library, a.url_set, "curl_url_set");
    bind(library, a.url_get, "curl_url_get");
    bind(library, a.free, "curl_free");
    auto globalInit = library.function<CURLcode (*)(long)>("curl_global_init");
    if (!globalInit || globalInit(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        throw Error(ErrorKind::Internal, "curl_global_init failed", kLibrary);
    library.keepLoaded();
    log::debug("http", "loaded {}", kLibrary);
    return a;
}
#else
Api load() {
    // The parentheses keep curl's type-checking macros from expanding.
    Api a{&(curl_easy_init), &(curl_easy_setopt), &(curl_easy_perform), &(curl_easy_getinfo),
          &(curl_easy_reset), &(curl_easy_cleanup), &(curl_easy_strerror), &(curl_slist_append),
          &(curl_slist_free_all), &(curl_url), &(curl_url_cleanup), &(curl_url_set),
          // Older curl headers (Debian 12's 7.88) declare its handle without const.
          reinterpret_cast<decltype(Api::url_get)>(&(curl_url_get)), &(curl_free)};
    if ((curl_global_init)(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        throw Error(ErrorKind::Internal, "curl_global_init failed");
    return a;
}
#endif

}  // namespace

const Api& api() {
    static const Api table = load();
    return table;
}

}  // namespace certagent::http::curl
