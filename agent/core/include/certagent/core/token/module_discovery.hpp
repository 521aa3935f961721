#pragma once
// Where PKCS#11 modules come from besides the token plugins: p11-kit's registrations (Linux)
// and the config's [pkcs11] extra_modules. Reading p11-kit's *.module files directly (instead
// of p11_kit_modules_load) keeps start-up fast: nothing is loaded until a token is needed.
#include "certagent/core/token/types.hpp"

#include <filesystem>
#include <optional>
#include <vector>

namespace certagent::token {

struct P11KitModuleFile {
    std::filesystem::path file;    // the *.module file
    std::filesystem::path module;  // absolute library path
    bool trustPolicy = false;      // "trust-policy: yes": CA anchors, not a user's token
};

// p11-kit's config folders in override order: packaged, system (/etc/pkcs11/modules), user
// (~/.config/pkcs11/modules). Empty on other systems.
std::vector<std::filesystem::path> defaultP11KitConfigDirs();
// Where relative `module:` names are looked up (p11-kit's p11_module_path).
std::filesystem::path defaultP11KitModuleDir();

// Reads the *.module files; a file of the same name in a later folder replaces an earlier one,
// and "enable: no" / "disabled" entries are dropped, as p11-kit does.
std::vector<P11KitModuleFile> readP11KitModules(const std::vector<std::filesystem::path>& dirs,
                                                const std::filesystem::path& moduleDir);

// The p11-kit modules worth loading for tokens: trust-policy modules left out.
std::vector<ModuleSpec> p11KitModuleSpecs(const std::vector<std::filesystem::path>& dirs =
                                              defaultP11KitConfigDirs(),
                                          const std::filesystem::path& moduleDir =
                                              defaultP11KitModuleDir());

// The first candidate that exists (token plugins list several paths per OS).
std::optional<std::filesystem::path> firstExisting(
    const std::vector<std::filesystem::path>& candidates);

}  // namespace certagent::token
