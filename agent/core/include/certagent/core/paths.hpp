#pragma once
// Where things live. Linux follows the XDG base directory spec; the install layout is found
// relative to the running executable (<prefix>/bin/..), which also holds in the build tree.
#include <filesystem>
#include <optional>
#include <string>

namespace certagent::paths {

// Directory of the running executable.
std::filesystem::path executableDir();
// <prefix> of the running executable (its bin/ parent).
std::filesystem::path installPrefix();

// The first-party plugin folder: <prefix>/<libdir>/certagent/plugins.
std::filesystem::path pluginDir();
// Message catalogs: $CERTAGENT_LOCALEDIR, else <prefix>/share/locale, else the configured
// install locale dir.
std::filesystem::path localeDir();
// Read-only data shipped with the package (the pinned EU trusted list signers):
// <prefix>/share/certagent when it is there (also in the build tree), else the configured
// install data dir.
std::filesystem::path dataDir();

// The user's config file: $XDG_CONFIG_HOME/certagent/agent.toml (~/.config/certagent/agent.toml).
// (--config / $CERTAGENT_CONFIG is a further layer on top, see config.hpp.)
std::filesystem::path userConfigFile();
// The administrator's policy file: $CERTAGENT_POLICY_FILE > /etc/certagent/policy.toml.
std::filesystem::path policyFile();
// State dir: explicit (--state-dir) > $CERTAGENT_STATE_DIR > $XDG_STATE_HOME/certagent.
std::filesystem::path stateDir(const std::optional<std::filesystem::path>& explicit_dir = {});

// $HOME, or the passwd entry's home.
std::filesystem::path homeDir();

}  // namespace certagent::paths
