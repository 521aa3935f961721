// certagent-cli tokens: slot, label, serial, manufacturer, model, plugin, module, pin state;
// the PIN and SO PIN flags, and what to do next when one of them needs attention; then the
// token plugins' USB devices plugged in without a driver (status "driver_missing").
#include <fmt/format.h>

#include "certagent/core/device/agent_devices.hpp"
#include "certagent/core/device/driver_check.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/token/agent_tokens.hpp"
#include "certagent/core/ui/pin_tasks.hpp"
#include "certagent/core/ui/token_help.hpp"
#include "command.hpp"
#include "device_sources.hpp"

namespace certagent::cli {
namespace {

json flagsJson(const token::PinFlags& f) {
    return {{"initialized", f.initialized}, {"count_low", f.countLow}, {"final_try", f.finalTry},
            {"locked", f.locked}, {"to_be_changed", f.toBeChanged}};
}

// The command that does what the advice says, when certagent can do it.
std::string commandFor(const token::TokenInfo& t) {
    const auto& u = t.userPin;
    if (t.soPin.locked && (u.locked || !u.initialized)) return {};
    if (u.locked || !u.initialized) return "certagent-cli pin unblock --token " + t.serial;
    if (u.toBeChanged && !u.countLow && !u.finalTry) return "certagent-cli pin change --token " + t.serial;
    return {};
}

int runTokens(Context& ctx) {
    Args args(ctx.args, {}, {"--modules"});
    auto& agent = ctx.agent(/*open_state=*/false);
    auto service = token::makeTokenService(agent);
    const auto profiles = token::tokenProfiles(agent);
    json list = json::array();
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> advice;
    const auto tokens = service->tokens();
    for (const auto& t : tokens) {
        const char* pin = token::pinStateName(t.userPin.state());
        const auto* profile = profileOf(profiles, t);
        const auto next = ui::pinAdvice(t, profile);
        list.push_back({{"slot", t.slotId},
                        {"label", t.label},
                        {"serial", t.serial},
                        {"manufacturer", t.manufacturer},
                        {"model", t.model},
                        {"plugin", t.plugin},
                        {"module", t.module.string()},
                        {"pin_state", pin},
                        {"pin_flags", flagsJson(t.userPin)},
                        {"so_pin_state", token::pinStateName(t.soPin.state())},
                        {"so_pin_flags", flagsJson(t.soPin)},
                        {"so_pin_name", ui::unblockPinName(profile)},
                        {"pin_pad", t.protectedAuthenticationPath},
                        {"pin_advice", next.empty() ? json(nullptr)
                                                    : json{{"state", next.state},
                                                           {"next", next.next},
                                                           {"command", commandFor(t)}}}});
        list.back()["status"] = "ready";
        rows.push_back({std::to_string(t.slotId), t.label, t.serial, t.manufacturer, t.model,
                        t.plugin, t.module.filename().string(), pinStateText(t.userPin.state())});
        if (!next.empty()) {
            auto line = fmt::format("{} ({}): {}. {}", t.label.empty() ? t.serial : t.label,
                                    t.serial, next.state, next.next);
            if (auto cmd = commandFor(t); !cmd.empty())
                line += " " + fmt::format(fmt::runtime(_("Run: {0}")), cmd);
            advice.push_back(std::move(line));
        }
    }
    // A token plugin's USB device plugged in with no token behind it: its driver is missing.
    // A snapshot, so no grace period: a token plugged in this very second may show here once.
    const auto missing = device::findMissingDrivers(
        platform::presentUsbDevices(device::usbFilter(agent)), tokens, token::tokenProfiles(agent),
        device::installedPlugins(service->modules()));
    json missingJson = json::array();
    for (const auto& m : missing) {
        json entry = device::missingDriverJson(m);
        missingJson.push_back(entry);
        // Same keys as a token (null where there is none), so the list stays one shape.
        entry.update({{"status", "driver_missing"}, {"slot", nullptr}, {"label", m.usbName},
                      {"serial", nullptr}, {"manufacturer", m.vendor}, {"model", m.product},
                      {"module", nullptr}, {"pin_state", nullptr}});
        list.push_back(std::move(entry));
    }
    if (args.flag("--modules")) {
        // What was tried, including failures (a vendor module that does not load).
        json modules = json::array();
        for (const auto& m : service->modules())
            modules.push_back({{"path", m.spec.path.string()},
                               {"source", token::moduleSourceName(m.spec.source)},
                               {"plugin", m.spec.plugin},
                               {"loaded", m.loaded},
                               {"error", m.error}});
        if (ctx.json_output) {
            ctx.print({{"tokens", list}, {"modules", modules}});
            return kOk;
        }
        for (const auto& m : service->modules())
            fmt::print("{} [{}] {}\n", m.spec.path.string(), token::moduleSourceName(m.spec.source),
                       m.loaded ? std::string(_("loaded")) : m.error);
    }
    if (ctx.json_output) {
        ctx.print(list);
    } else if (rows.empty() && missing.empty()) {
        fmt::print("{}\n", _("No token found. Insert your token; if it is not listed, install "
                             "its driver (see `certagent-cli tokens --modules`)."));
    } else if (!rows.empty()) {
        printTable({_("SLOT"), _("LABEL"), _("SERIAL"), _("MANUFACTURER"), _("MODEL"),
                    _("PLUGIN"), _("MODULE"), _("PIN STATE")},
                   rows);
        for (const auto& line : advice) fmt::print("\n{}\n", line);
    }
    if (!ctx.json_output)
        for (const auto& v : ui::missingDriverViews(missingJson)) {
            fmt::print("{}\n", ui::missingDriverText(v));
            for (const auto& link : v.drivers)
                fmt::print("  {}\n", link.url.empty() ? link.note : link.url);
            if (v.drivers.empty())
                fmt::print("  {}\n", _("No driver download is known for this system: ask your "
                                        "certification authority"));
        }
    return kOk;
}

}  // namespace
}  // namespace certagent::cli

CERTAGENT_CLI_COMMAND(tokens, "tokens",
                      N_("list tokens: slot, label, serial, manufacturer, model, plugin, module, "
                         "pin state"),
                      N_("tokens [--modules] [--json]"), certagent::cli::runTokens,
                      {"--modules", nullptr,
                       N_("also list the PKCS#11 modules tried, and what each said")})
