// certagent-cli config check | show: validate the layered configuration, or show every value
// with the layer it came from.
#include <fmt/format.h>
#include <iostream>

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "command.hpp"

namespace certagent::cli {
namespace {

json diagnosticJson(const config::Diagnostic& d) {
    json j = {{"severity", d.severity == config::Diagnostic::Severity::Error ? "error" : "warning"},
              {"file", d.file.string()},
              {"message", d.message}};
    if (d.line > 0) j["line"] = d.line;
    if (!d.key.empty()) j["key"] = d.key;
    return j;
}

int runCheck(Context& ctx, const config::Config& cfg) {
    json diags = json::array();
    for (const auto& d : cfg.diagnostics()) diags.push_back(diagnosticJson(d));
    json files = json::array();
    for (const auto& [layer, file] : cfg.files())
        files.push_back({{"layer", config::layerName(layer)}, {"file", file.string()}});
    bool ok = !cfg.hasErrors();
    if (ctx.json_output) {
        ctx.print({{"ok", ok}, {"files", files}, {"diagnostics", diags}});
    } else {
        for (const auto& d : cfg.diagnostics()) std::cerr << d.format() << '\n';
        if (ok) {
            std::cout << _("Configuration is valid.") << '\n';
            for (const auto& [layer, file] : cfg.files())
                std::cout << "  " << config::layerName(layer) << ": " << file.string() << '\n';
        } else {
            std::cerr << _("Configuration has errors; fix the lines above.") << '\n';
        }
    }
    return ok ? kOk : kFailure;
}

int runShow(Context& ctx, const config::Config& cfg) {
    for (const auto& d : cfg.diagnostics()) std::cerr << d.format() << '\n';
    if (ctx.json_output) {
        ctx.print(cfg.toJson());
        return cfg.hasErrors() ? kFailure : kOk;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& [key, v] : cfg.values()) {
        std::string origin = config::layerName(v.layer);
        if (!v.file.empty()) origin += " (" + v.file.string() + (v.line ? ":" + std::to_string(v.line) : "") + ")";
        if (v.locked) origin += std::string(" [") + _("locked") + "]";
        rows.push_back({key, v.value.dump(), origin});
    }
    printTable({_("KEY"), _("VALUE"), _("FROM")}, rows);
    return cfg.hasErrors() ? kFailure : kOk;
}

int runConfig(Context& ctx) {
    Args args(ctx.args, {}, {});
    const auto& pos = args.positionals();
    if (pos.size() != 1 || (pos[0] != "check" && pos[0] != "show"))
        throw Error(ErrorKind::Usage, _("usage: certagent-cli config check|show [--json]"));
    // Load without throwing: this command reports problems itself.
    auto cfg = config::Config::load(ctx.loadOptions());
    return pos[0] == "check" ? runCheck(ctx, cfg) : runShow(ctx, cfg);
}

}  // namespace
}  // namespace certagent::cli

CERTAGENT_CLI_COMMAND(config, "config", N_("check the configuration, or show every value and its origin"),
                      N_("config check|show [--json]"), certagent::cli::runConfig)
