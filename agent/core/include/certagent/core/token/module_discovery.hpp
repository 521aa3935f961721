#pragma once
// Where PKCS#11 modules come from besides the token plugins: p11-kit's registrations (Linux)
// and the config's [pkcs11] extra_modules. Reading p11-kit's *.module files directly (instead
// of p11_kit_modules_load) keeps start-up fast: nothing is loaded until a token is needed.
#include "certagent/core/token/types.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
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

// The running program's name as p11-kit sees it (the file name of argv[0]: "certagent-cli",
// "certagent"), which `enable-in` / `disable-in` lines are compared with.
std::string currentProgramName();

// True when `program` is one of the names in a p11-kit `enable-in`/`disable-in` value: names
// separated by commas and/or white space, compared whole and case-sensitively, as p11-kit does.
bool p11KitProgramListHas(std::string_view list, std::string_view program);

// Reads the *.module files; a file of the same name in a later folder replaces an earlier one.
// A module with `enable-in` is used only when `program` is in that list; one with `disable-in`
// only when it is not (p11-kit's rules; with both, enable-in decides, as in p11-kit).
std::vector<P11KitModuleFile> readP11KitModules(const std::vector<std::filesystem::path>& dirs,
                                                const std::filesystem::path& moduleDir,
                                                std::string_view program = currentProgramName());

// The p11-kit modules worth loading for tokens: trust-policy modules left out.
std::vector<ModuleSpec> p11KitModuleSpecs(const std::vector<std::filesystem::path>& dirs =
                                              defaultP11KitConfigDirs(),
                                          const std::filesystem::path& moduleDir =
                                              defaultP11KitModuleDir(),
                                          std::string_view program = currentProgramName());

// Parses one *.module file's text (p11-kit's "key: value" lines); for tests and fuzzing.
// Returns the module and whether it is enabled for `program`.
std::pair<P11KitModuleFile, bool> parseP11KitModule(std::string_view text,
                                                    const std::filesystem::path& moduleDir,
                                                    std::string_view program);

// The first candidate that exists (token plugins list several paths per OS).
std::optional<std::filesystem::path> firstExisting(
    const std::vector<std::filesystem::path>& candidates);

}  // namespace certagent::token
