#pragma once
// The backends this plugin knows, by the name `[renewal] backend` gives. Adding a CA protocol
// is one row in backends.cpp and its files (docs/renewal.md "Adding a backend").
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <string>

#include "backend.hpp"

namespace certagent::renewal {

// Reads a configuration key ("renewal.portal_url"); null when unknown.
using ConfigReader = std::function<nlohmann::json(const std::string& key)>;

struct BackendKind {
    const char* name;
    std::unique_ptr<Backend> (*make)(const ConfigReader& config);
};
std::span<const BackendKind> backendKinds();

// Throws Failure("config") naming the key when `name` is not a known backend.
std::unique_ptr<Backend> makeBackend(const std::string& name, const ConfigReader& config);

}  // namespace certagent::renewal
