#include "backends.hpp"

#include <certagent/sdk/plugin.hpp>

#include <fmt/format.h>

#include "cmp_backend.hpp"
#include "failure.hpp"
#include "portal_backend.hpp"

namespace certagent::renewal {
namespace {

std::unique_ptr<Backend> makePortal(const ConfigReader& config) {
    auto url = config("renewal.portal_url");
    return makePortalBackend({url.is_string() ? url.get<std::string>() : std::string()});
}

std::unique_ptr<Backend> makeCmp(const ConfigReader& config) {
    auto text = [&](const char* key) {
        auto v = config(key);
        return v.is_string() ? v.get<std::string>() : std::string();
    };
    CmpSettings s;
    s.serverUrl = text("renewal.cmp.server");
    s.trusted = text("renewal.cmp.trusted");
    s.recipient = text("renewal.cmp.recipient");
    s.secretFile = text("renewal.cmp.secret_file");
    s.reference = text("renewal.cmp.reference");
    auto implicit = config("renewal.cmp.implicit_confirm");
    s.implicitConfirm = implicit.is_boolean() && implicit.get<bool>();
    return makeCmpBackend(std::move(s));
}

constexpr BackendKind kKinds[] = {
    {"portal", &makePortal},
    {"cmp", &makeCmp},
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
