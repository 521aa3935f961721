#pragma once
// Layered configuration (TOML):
//   built-in defaults < system policy file < user file < --config PATH / $CERTAGENT_CONFIG
// The policy file may lock keys ([policy] locked = ["server.enabled", ...]); later layers
// cannot change a locked key. Every problem is a Diagnostic naming file, line and key.
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace certagent::config {

using json = nlohmann::json;

enum class Layer { Default, Policy, User, Explicit };
const char* layerName(Layer layer);

enum class ValueType { Bool, Int, String, StringList, IntList };

struct KeyDef {
    std::string key;          // dotted: "reminders.days_before"; "tokens.*.module" matches any
    ValueType type;
    json default_value;
    std::string description;  // English; shown by `config show` and in config/agent.toml
    std::optional<int64_t> min, max;        // for Int and IntList elements
    std::vector<std::string> allowed;       // for String: allowed values, if any
    bool non_empty_elements = false;        // for StringList
};

// The schema: every key the agent knows. Later areas add theirs in config_schema.cpp.
const std::vector<KeyDef>& schema();
const KeyDef* findKey(const std::string& key);

struct Diagnostic {
    enum class Severity { Warning, Error } severity;
    std::filesystem::path file;
    int line = 0;  // 0 when unknown
    std::string key;
    std::string message;  // translated, complete sentence without the location
    std::string format() const;  // "file:line: key 'k': message" (translated)
};

struct Value {
    json value;
    Layer layer = Layer::Default;
    std::filesystem::path file;
    int line = 0;
    bool locked = false;
};

struct LoadOptions {
    std::optional<std::filesystem::path> policy_file;    // default: paths::policyFile()
    std::optional<std::filesystem::path> user_file;      // default: paths::userConfigFile()
    std::optional<std::filesystem::path> explicit_file;  // --config, else $CERTAGENT_CONFIG
    bool read_environment = true;  // take $CERTAGENT_CONFIG when explicit_file is unset
};

class Config {
public:
    // Never throws for bad content: problems land in diagnostics(). A missing user or policy
    // file is fine; a missing explicit file is an error.
    static Config load(const LoadOptions& options = {});
    static Config defaults();

    const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }
    bool hasErrors() const;
    // Throws certagent::Error(Config) listing the errors, if any.
    void throwIfErrors() const;

    const std::map<std::string, Value>& values() const { return values_; }
    const Value* find(const std::string& key) const;
    bool isLocked(const std::string& key) const;

    bool getBool(const std::string& key) const;
    int64_t getInt(const std::string& key) const;
    std::string getString(const std::string& key) const;
    std::vector<std::string> getStrings(const std::string& key) const;
    std::vector<int64_t> getInts(const std::string& key) const;

    // Files that were read, in layer order (for `config check`).
    const std::vector<std::pair<Layer, std::filesystem::path>>& files() const { return files_; }

    // The whole effective configuration as JSON: {key: {value, layer, file, line, locked}}.
    json toJson() const;

    // For tests and the settings dialog: apply one TOML document as a layer.
    void applyDocument(const std::string& toml_text, Layer layer,
                       const std::filesystem::path& file);

private:
    void applyFile(const std::filesystem::path& file, Layer layer, bool must_exist);
    void checkTogether();
    const Value& require(const std::string& key) const;

    std::map<std::string, Value> values_;
    std::vector<Diagnostic> diagnostics_;
    std::vector<std::pair<Layer, std::filesystem::path>> files_;
};

}  // namespace certagent::config
