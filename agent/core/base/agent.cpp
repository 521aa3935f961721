#include "certagent/core/agent.hpp"

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"
#include "certagent/core/paths.hpp"

namespace certagent {

Agent::Agent(AgentOptions options)
    : config_(config::Config::load(options.config)),
      state_dir_(paths::stateDir(options.state_dir)),
      clock_(options.clock ? options.clock : std::make_shared<SystemClock>()),
      notifier_(options.notifier ? options.notifier : std::make_shared<ConsoleNotifier>()) {
    for (const auto& d : config_.diagnostics())
        if (d.severity == config::Diagnostic::Severity::Warning) log::warn("config", "{}", d.format());
    config_.throwIfErrors();
    i18n::setLanguage(config_.getString("ui.language"));
    scheduler_ = std::make_unique<Scheduler>(*clock_);
    if (options.open_state) {
        store_ = state::StateStore::open(state_dir_);
        if (options.log_to_file) log::openFile(state_dir_ / "logs");
    }
    services_ = std::make_unique<HostServices>(*clock_, bus_, *scheduler_, config_, *notifier_,
                                               store_.get(), state_dir_);
    plugins_ = std::make_unique<PluginHost>(*services_);
    // The areas' extensions (tokens, documents, http) are there before any plugin is created.
    if (options.before_plugins) options.before_plugins(*this);
    if (options.load_plugins)
        plugins_->loadDirectories(
            PluginHost::defaultDirectories(config_.getStrings("plugins.dirs")));
}

Agent::~Agent() {
    // Nothing runs before anything goes: no event handler and no timer callback (both reach
    // into the plugins and the areas), then the plugins (their calls into the areas' host
    // methods end with them), then the areas.
    bus_.drain();
    bus_.close();
    if (scheduler_) scheduler_->stop();
    // Every plugin stops first (its jobs joined), while plugins() is still valid: a job of one
    // plugin may call the host (the token profiles read the plugin list) while another's is
    // being joined; reset() below makes plugins() unusable before it destroys them.
    if (plugins_) plugins_->releaseAll();
    plugins_.reset();
    kept_.clear();
    scheduler_.reset();
}

state::StateStore& Agent::store() {
    if (!store_) throw Error(ErrorKind::State, _("the state store is not open"));
    return *store_;
}

}  // namespace certagent
