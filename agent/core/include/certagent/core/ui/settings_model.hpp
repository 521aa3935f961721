#pragma once
// The settings dialog's model over the TOML config: the values the user may change, which of
// them the administrator locked, validation through the config schema, and writing the user's
// file with every other key kept (comments are not kept: toml++ does not carry them).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "certagent/core/config.hpp"

namespace certagent::ui {

struct SettingsValues {
    std::vector<int64_t> daysBefore;  // reminders.days_before
    std::string portalUrl;            // renewal.portal_url
    bool autostart = true;            // ui.autostart
    std::string language = "auto";    // ui.language: auto | ro | en
    bool pinCache = false;            // ui.pin_cache

    bool operator==(const SettingsValues&) const = default;
};

class SettingsModel {
public:
    // effective: the loaded config (all layers); userFile: where the user's choices are saved.
    SettingsModel(const config::Config& effective, std::filesystem::path userFile);

    const SettingsValues& initial() const { return initial_; }
    const std::filesystem::path& userFile() const { return userFile_; }
    // Locked by the policy file: the dialog shows it disabled and save() never writes it.
    bool isLocked(const std::string& key) const;

    // Translated problems, one per bad field, naming the field; empty when all is fine.
    std::vector<std::string> validate(const SettingsValues& values) const;

    // Writes the changed, unlocked keys into the user file (created if needed, other keys kept,
    // atomically replaced). Throws certagent::Error(Config) when validate() finds problems and
    // Error(Io) when the file cannot be written. Returns the keys written.
    std::vector<std::string> save(const SettingsValues& values);

    // "60, 30, 14" → {60, 30, 14}; throws certagent::Error(InvalidInput) on anything else.
    static std::vector<int64_t> parseThresholds(const std::string& text);
    static std::string formatThresholds(const std::vector<int64_t>& days);

private:
    std::string changesAsToml(const SettingsValues& values) const;
    const config::Config& effective_;
    std::filesystem::path userFile_;
    SettingsValues initial_;
};

}  // namespace certagent::ui
