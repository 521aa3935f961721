// Loads the documents module: see documents_module.hpp.
#include "certagent/core/documents_module.hpp"

#include <fmt/format.h>

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/paths.hpp"
#include "certagent/core/platform/dynamic_library.hpp"

namespace certagent::documents {
namespace {

const Api& load() {
    const auto path = modulePath();
    // Stays loaded for the rest of the process: reports and exceptions it made may outlive
    // any caller, and PoDoFo keeps process-wide state.
    platform::DynamicLibrary library(path);
    if (!library) {
        throw Error(ErrorKind::Internal,
                    fmt::format(fmt::runtime(_("The PDF and XML signature module cannot be "
                                               "loaded ({0}); reinstall certagent")),
                                library.error()),
                    path.string());
    }
    using Entry = const Api* (*)();
    auto entry = library.function<Entry>("certagent_documents_api");
    const Api* api = entry ? entry() : nullptr;
    if (!api || api->version != kApiVersion)
        throw Error(ErrorKind::Internal,
                    fmt::format(fmt::runtime(_("The PDF and XML signature module is from another "
                                               "version of certagent (interface {0}, expected "
                                               "{1}); reinstall certagent")),
                                api ? api->version : 0, kApiVersion),
                    path.string());
    library.keepLoaded();
    api->forwardLog(&log::write);
    log::debug("documents", "loaded {}", path.string());
    return *api;
}

}  // namespace

std::filesystem::path modulePath() {
    return paths::installPrefix() / CERTAGENT_REL_DOCUMENTS_MODULE;
}

const Api& api() {
    static const Api& table = load();
    return table;
}

}  // namespace certagent::documents
