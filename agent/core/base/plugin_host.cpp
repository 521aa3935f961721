#include "certagent/core/plugin_host.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <boost/dll/shared_library.hpp>

#include "certagent/core/error.hpp"
#include "certagent/core/host_services.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"
#include "certagent/core/paths.hpp"
#include "certagent/core/platform/system.hpp"

namespace certagent {
namespace fs = std::filesystem;
using json = nlohmann::json;

struct LoadedPlugin::Library {
    boost::dll::shared_library lib;
};

namespace {

bool looksLikePluginFile(const fs::path& p) {
    auto ext = p.extension().string();
#if defined(_WIN32)
    return ext == ".dll";
#elif defined(__APPLE__)
    return ext == ".dylib" || ext == ".so";
#else
    return ext == ".so";
#endif
}

void appendToString(void* user, const char* data, size_t len) {
    static_cast<std::string*>(user)->append(data, len);
}

std::string errorText(const std::string& out) {
    try {
        auto j = json::parse(out);
        if (j.contains("error")) return j["error"].value("message", out);
    } catch (...) {
    }
    return out;
}

}  // namespace

LoadedPlugin::~LoadedPlugin() {
    // Nothing of the plugin runs any more (subscriptions, timers, jobs, sessions) before it is
    // destroyed; its library is unloaded last (library_ is declared first).
    release();
    if (instance_ && entry_ && entry_->destroy) entry_->destroy(instance_);
}

void LoadedPlugin::release() {
    if (context_ && services_) services_->releasePlugin(*context_);
}

LoadedPlugin::Held LoadedPlugin::held() const {
    Held h;
    if (!context_) return h;
    std::lock_guard lock(context_->mutex);
    h.subscriptions = context_->subscriptions.size();
    h.timers = context_->timers.size();
    for (const auto& [id, job] : context_->jobs)
        if (!job->done) ++h.jobs;
    return h;
}

json LoadedPlugin::profile() const {
    std::string out;
    ca_status s = entry_->token->profile(instance_, &appendToString, &out);
    if (s != CA_OK)
        throw Error(ErrorKind::Plugin, fmt::format("profile(): {}", errorText(out)), info_.name);
    return json::parse(out);
}

std::optional<int> LoadedPlugin::claim(const json& token) const {
    if (!entry_->token->claim) return std::nullopt;
    int32_t score = 0;
    auto text = token.dump();
    ca_status s = entry_->token->claim(instance_, text.c_str(), &score);
    if (s == CA_ERR_UNSUPPORTED) return std::nullopt;
    if (s != CA_OK) return 0;
    return score;
}

json LoadedPlugin::menuItems(const json& context) const {
    std::string out;
    auto text = context.dump();
    ca_status s = entry_->flow->menu_items(instance_, text.c_str(), &appendToString, &out);
    if (s != CA_OK)
        throw Error(ErrorKind::Plugin, fmt::format("menu_items(): {}", errorText(out)), info_.name);
    return out.empty() ? json::array() : json::parse(out);
}

json LoadedPlugin::runAction(const std::string& id, const json& args) const {
    std::string out;
    auto text = args.dump();
    ca_status s =
        entry_->flow->run_action(instance_, id.c_str(), text.c_str(), &appendToString, &out);
    if (s != CA_OK) {
        // The status keeps its meaning for the caller (the CLI's exit code 2 for a usage error).
        const auto kind = s == CA_ERR_RETRY              ? ErrorKind::Network
                          : s == CA_ERR_INVALID_ARGUMENT ? ErrorKind::Usage
                          : s == CA_ERR_DENIED           ? ErrorKind::Cancelled
                                                         : ErrorKind::Plugin;
        throw Error(kind, errorText(out), info_.name + ":" + id, s == CA_ERR_RETRY);
    }
    return out.empty() ? json::object() : json::parse(out);
}

PluginHost::PluginHost(HostServices& services) : services_(services) {}

PluginHost::~PluginHost() {
    releaseAll();
    // Newest first, so a plugin that depends on an earlier one goes before it.
    while (!plugins_.empty()) plugins_.pop_back();
}

void PluginHost::releaseAll() {
    for (auto it = plugins_.rbegin(); it != plugins_.rend(); ++it) (*it)->release();
}

std::optional<std::string> PluginHost::unsafePermissions(const fs::path& p) {
    switch (platform::foreignWriteAccess(p)) {
        case platform::ForeignAccess::WritableByEveryone:
            return std::string(_("it is writable by every user"));
        case platform::ForeignAccess::WritableByOtherGroup:
            return std::string(_("it is writable by another group"));
        case platform::ForeignAccess::OtherOwner:
            return std::string(_("it belongs to another user"));
        case platform::ForeignAccess::None:
            break;
    }
    return std::nullopt;
}

std::vector<fs::path> PluginHost::defaultDirectories(const std::vector<std::string>& configured) {
    std::vector<fs::path> dirs{paths::pluginDir()};
    for (const auto& d : configured) dirs.emplace_back(d);
    return dirs;
}

void PluginHost::skip(const fs::path& file, const std::string& reason) {
    log::warn("plugins", "{}",
              fmt::format(fmt::runtime(_("plugin {0} skipped: {1}")), file.string(), reason));
    skipped_.push_back({file, reason});
}

LoadedPlugin* PluginHost::find(const std::string& name) const {
    for (const auto& p : plugins_)
        if (p->info().name == name) return p.get();
    return nullptr;
}

void PluginHost::loadDirectories(const std::vector<fs::path>& dirs) {
    for (const auto& dir : dirs) {
        std::error_code ec;
        if (!fs::is_directory(dir, ec)) {
            log::debug("plugins", "plugin folder {} does not exist", dir.string());
            continue;
        }
        if (auto why = unsafePermissions(dir)) {
            skip(dir, fmt::format(fmt::runtime(_("folder refused: {0}; a plugin there could be "
                                                 "replaced by someone else")),
                                  *why));
            continue;
        }
        std::vector<fs::path> files;
        for (const auto& e : fs::directory_iterator(dir, ec))
            if (e.is_regular_file(ec) && looksLikePluginFile(e.path())) files.push_back(e.path());
        std::sort(files.begin(), files.end());
        for (const auto& f : files) loadFile(f);
    }
}

bool PluginHost::loadFile(const fs::path& file) {
    if (auto why = unsafePermissions(file)) {
        skip(file, fmt::format(fmt::runtime(_("file refused: {0}")), *why));
        return false;
    }
    auto library = std::make_shared<LoadedPlugin::Library>();
    boost::dll::fs::error_code ec;
    library->lib.load(boost::dll::fs::path(file.string()),
                      boost::dll::load_mode::rtld_local | boost::dll::load_mode::rtld_now, ec);
    if (ec) {
        skip(file, fmt::format(fmt::runtime(_("not a loadable library ({0})")), ec.message()));
        return false;
    }
    if (!library->lib.has(CERTAGENT_PLUGIN_ENTRY_SYMBOL)) {
        skip(file, fmt::format(fmt::runtime(_("no entry point '{0}' (not a certagent plugin?)")),
                               CERTAGENT_PLUGIN_ENTRY_SYMBOL));
        return false;
    }
    auto entry_fn =
        library->lib.get<const ca_plugin_entry*(uint16_t, uint16_t)>(CERTAGENT_PLUGIN_ENTRY_SYMBOL);
    const ca_plugin_entry* entry = nullptr;
    try {
        entry = entry_fn(CERTAGENT_SDK_ABI_MAJOR, CERTAGENT_SDK_ABI_MINOR);
    } catch (...) {
        entry = nullptr;
    }
    if (!entry) {
        skip(file, fmt::format(fmt::runtime(_("the plugin refused this agent's plugin ABI {0}.{1} "
                                              "(built for another major version?)")),
                               CERTAGENT_SDK_ABI_MAJOR, CERTAGENT_SDK_ABI_MINOR));
        return false;
    }
    if (entry->struct_size < offsetof(ca_plugin_entry, token) ||
        entry->info.struct_size < sizeof(ca_plugin_info)) {
        skip(file, _("the entry point returned no valid plugin description"));
        return false;
    }
    const auto& info = entry->info;
    if (info.abi_major != CERTAGENT_SDK_ABI_MAJOR) {
        skip(file, fmt::format(fmt::runtime(_("built for plugin ABI {0}.{1}, this agent has "
                                              "ABI {2}.{3}")),
                               info.abi_major, info.abi_minor, CERTAGENT_SDK_ABI_MAJOR,
                               CERTAGENT_SDK_ABI_MINOR));
        return false;
    }
    if (!info.name || !*info.name) {
        skip(file, _("the plugin has no name"));
        return false;
    }
    bool token = info.kind == CA_PLUGIN_TOKEN;
    bool flow = info.kind == CA_PLUGIN_FLOW;
    if ((!token && !flow) || (token && !entry->token) || (flow && !entry->flow) || !entry->create ||
        !entry->destroy) {
        skip(file, _("the plugin's kind and function tables do not agree"));
        return false;
    }
    if (auto* existing = find(info.name)) {
        skip(file, fmt::format(fmt::runtime(_("a plugin named '{0}' is already loaded from {1}")),
                               info.name, existing->info().file.string()));
        return false;
    }
    char err[512] = {0};
    void* instance = nullptr;
    auto context = services_.newPluginContext(info.name);
    ca_status s;
    try {
        s = entry->create(&context->host, &instance, err, sizeof err);
    } catch (const std::exception& e) {
        s = CA_ERR_EXCEPTION;
        std::snprintf(err, sizeof err, "%s", e.what());
    } catch (...) {
        s = CA_ERR_EXCEPTION;
    }
    if (s != CA_OK || !instance) {
        // What the constructor started before it failed is released with it.
        services_.releasePlugin(*context);
        skip(file, fmt::format(fmt::runtime(_("its constructor failed: {0}")),
                               err[0] ? err : _("no reason given")));
        return false;
    }
    std::unique_ptr<LoadedPlugin> p(new LoadedPlugin());
    p->library_ = std::move(library);
    p->services_ = &services_;
    p->context_ = std::move(context);
    p->entry_ = entry;
    p->instance_ = instance;
    p->info_ = PluginInfo{info.name,
                          token ? "token" : "flow",
                          info.version ? info.version : "",
                          info.description ? info.description : "",
                          info.abi_major,
                          info.abi_minor,
                          file};
    log::debug("plugins", "loaded plugin {} {} from {}", p->info_.name, p->info_.version,
               file.string());
    plugins_.push_back(std::move(p));
    return true;
}

}  // namespace certagent
