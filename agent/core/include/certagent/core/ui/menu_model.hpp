#pragma once
// The tray menu as data: the GUI turns each item into a native menu entry and sends the item's
// action back when it is chosen. Items of flow plugins come from their menuItems(), so no
// plugin's entries are hard-coded here.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "certagent/core/ui/tray_model.hpp"

namespace certagent {
class PluginHost;
}

namespace certagent::ui {

struct MenuItem {
    enum class Kind { Action, Header, Separator, Submenu };
    Kind kind = Kind::Action;
    std::string id;     // stable: "cert:<token>:<id>", "renew:<token>:<id>", "settings", ...
    std::string label;  // translated
    bool enabled = true;
    // What choosing it means: {"action": "renew"|"details"|"sign_pdf"|"settings"|"open_logs"|
    // "about"|"quit"|"renewal"|"plugin"|"verify"|"pin_change"|"pin_unblock"|"browser_register"|
    // "browser_unregister"|"browser_status"|"open_url"|"vendor_tool", "token"?, "cert"?,
    // "renewal_id"?, "plugin"?, "id"?, "url"?}
    nlohmann::json action;
    std::vector<MenuItem> children;  // Submenu only
};

struct MenuModel {
    std::vector<MenuItem> items;

    // Depth-first search by id; nullptr when absent.
    const MenuItem* find(const std::string& id) const;
    // [{id, kind, label, enabled, action, children}] (test dumps, accessibility-free checks).
    nlohmann::json toJson() const;
};

// One flow plugin's items: [{id, label, enabled, section, token, cert}] (sdk/abi.h).
struct PluginMenuItems {
    std::string plugin;
    nlohmann::json items;
};

// Asks every loaded flow plugin for its items; a plugin that throws or answers something that
// is not an array contributes nothing (and is logged).
std::vector<PluginMenuItems> collectPluginItems(const PluginHost& host,
                                                const nlohmann::json& context);

MenuModel buildMenu(const TraySnapshot& snapshot, const std::vector<PluginMenuItems>& plugins);

// A plugin item with "input": "file" asks the user for a file before it runs (its action then
// carries "input": "file").
bool pluginActionNeedsFile(const nlohmann::json& action);
// The args a plugin's runAction receives for a chosen item: its token and cert, and for a file
// item the picked path, which must be an existing regular file (else certagent::Error
// InvalidInput naming it; nothing runs).
nlohmann::json pluginActionArgs(const nlohmann::json& action, const std::string& picked_path = {});
// What the tray shows once a plugin action succeeded: the result's "message", else "Done.".
std::string pluginResultText(const nlohmann::json& result);

}  // namespace certagent::ui
