#include "backends.hpp"

#include <certagent/sdk/plugin.hpp>

#include <fmt/format.h>

#include "failure.hpp"
#include "portal_backend.hpp"

namespace certagent::renewal {
namespace {

std::unique_ptr<Backend> makePortal(const ConfigReader& config) {
    auto url = config("renewal.portal_url");
    return makePortalBackend({url.is_string() ? url.get<std::string>() : std::string()});
}

constexpr BackendKind kKinds[] = {
    {"portal", &makePortal},
};

}  // namespace

std::span<const BackendKind> backendKinds() { return kKinds; }

std::unique_ptr<Backend> makeBackend(const std::string& name, const ConfigReader& config) {
    for (const auto& k : kKinds)
        if (name == k.name) return k.make(config);
    throw Failure(code::kConfig, fmt::format(fmt::runtime(_("unknown renewal backend {0}")), name),
                  "renewal.backend");
}

}  // namespace certagent::renewal
