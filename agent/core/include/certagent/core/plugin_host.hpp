#pragma once
// Loads plugins with Boost.DLL from the install's plugin folder and from [plugins] dirs.
// A bad file (not a library, no entry point, another ABI major, a failing constructor, a
// duplicate name) is skipped with one log line naming the file and the reason; the agent goes
// on. Folders writable by other users are refused. Each library stays loaded while its plugin
// instance lives (the instance is destroyed first).
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include <certagent/sdk/abi.h>

namespace certagent {

class HostServices;
struct PluginContext;

struct PluginInfo {
    std::string name;
    std::string kind;  // "token" | "flow"
    std::string version;
    std::string description;
    int abi_major = 0;
    int abi_minor = 0;
    std::filesystem::path file;
};

struct SkippedPlugin {
    std::filesystem::path file;
    std::string reason;  // translated
};

class LoadedPlugin {
public:
    ~LoadedPlugin();  // releases what the plugin holds, destroys it, then unloads it
    // Ends what the plugin runs (subscriptions, timers, jobs joined, sessions); idempotent.
    void release();
    LoadedPlugin(const LoadedPlugin&) = delete;
    LoadedPlugin& operator=(const LoadedPlugin&) = delete;

    const PluginInfo& info() const { return info_; }
    bool isToken() const { return entry_->token != nullptr; }
    bool isFlow() const { return entry_->flow != nullptr; }

    // Token plugins.
    nlohmann::json profile() const;
    // nullopt: the plugin leaves the decision to its profile's rules.
    std::optional<int> claim(const nlohmann::json& token) const;
    // What the plugin holds in the host right now (one-shot timers that fired are gone).
    struct Held {
        std::size_t subscriptions = 0, timers = 0, jobs = 0;
    };
    Held held() const;

    // Flow plugins.
    nlohmann::json menuItems(const nlohmann::json& context) const;
    nlohmann::json runAction(const std::string& id, const nlohmann::json& args) const;

private:
    friend class PluginHost;
    struct Library;
    LoadedPlugin() = default;
    std::shared_ptr<Library> library_;  // declared first: destroyed last
    HostServices* services_ = nullptr;
    std::unique_ptr<PluginContext> context_;  // the plugin's ca_host; freed after destroy
    const ca_plugin_entry* entry_ = nullptr;
    void* instance_ = nullptr;
    PluginInfo info_;
};

class PluginHost {
public:
    explicit PluginHost(HostServices& services);
    ~PluginHost();
    // Ends every plugin's subscriptions, timers and jobs (newest first) before any plugin goes:
    // a job still running reads the plugin list and the agent (e.g. the expiry reminders' token
    // read asks for the token plugins' profiles). Idempotent; the destructor calls it too.
    void releaseAll();

    // Loads every plugin file in each folder, in order; a name already loaded is skipped.
    void loadDirectories(const std::vector<std::filesystem::path>& dirs);
    // Loads one file; returns false (and records why) if it was skipped.
    bool loadFile(const std::filesystem::path& file);

    const std::vector<std::unique_ptr<LoadedPlugin>>& plugins() const { return plugins_; }
    const std::vector<SkippedPlugin>& skipped() const { return skipped_; }
    LoadedPlugin* find(const std::string& name) const;

    // The default folders: the install's plugin folder, then [plugins] dirs.
    static std::vector<std::filesystem::path> defaultDirectories(
        const std::vector<std::string>& configured);

    // Why a folder or file may not be trusted (writable by others), or nullopt.
    static std::optional<std::string> unsafePermissions(const std::filesystem::path& p);

private:
    void skip(const std::filesystem::path& file, const std::string& reason);
    HostServices& services_;
    std::vector<std::unique_ptr<LoadedPlugin>> plugins_;
    std::vector<SkippedPlugin> skipped_;
};

}  // namespace certagent
