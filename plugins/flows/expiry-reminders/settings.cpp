#include "settings.hpp"

#include <fmt/format.h>

#define CERTAGENT_SDK_GETTEXT
#include <certagent/sdk/plugin.hpp>

#include "calendar.hpp"

namespace expiry_reminders {
namespace {

[[noreturn]] void bad(const char* key, const std::string& what, const nlohmann::json& got) {
    throw certagent::sdk::PluginError(
        CA_ERR_INVALID_ARGUMENT,
        fmt::format(fmt::runtime(_("[reminders] {0} must be {1} (it is {2}); reminders are off "
                                   "until it is fixed")),
                    key, what, got.dump()));
}

}  // namespace

Settings parseSettings(const nlohmann::json& enabled, const nlohmann::json& daysBefore,
                       const nlohmann::json& command) {
    Settings s;
    if (!enabled.is_null()) {
        if (!enabled.is_boolean()) bad("enabled", _("true or false"), enabled);
        s.enabled = enabled.get<bool>();
    }
    if (!daysBefore.is_null()) {
        const auto what =
            fmt::format(fmt::runtime(_("a list of whole days from 0 to {0}")), kMaxDaysBefore);
        if (!daysBefore.is_array()) bad("days_before", what, daysBefore);
        std::vector<int64_t> days;
        for (const auto& d : daysBefore) {
            if (!d.is_number_integer() || d.get<int64_t>() < 0 || d.get<int64_t>() > kMaxDaysBefore)
                bad("days_before", what, daysBefore);
            days.push_back(d.get<int64_t>());
        }
        s.thresholds = normalizeThresholds(days);
    }
    if (!command.is_null()) {
        const std::string what = _("a list of strings: the program, then its arguments");
        if (!command.is_array()) bad("command", what, command);
        for (const auto& a : command) {
            if (!a.is_string()) bad("command", what, command);
            s.command.push_back(a.get<std::string>());
        }
        if (!s.command.empty() && s.command.front().empty()) bad("command", what, command);
    }
    return s;
}

}  // namespace expiry_reminders
