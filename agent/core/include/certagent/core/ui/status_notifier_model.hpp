#pragma once
// The tray as a StatusNotifierItem (freedesktop/KDE) sees it, decided without D-Bus: the item's
// status, icon name and tooltip for a TrayPresentation, and the menu model as a
// com.canonical.dbusmenu layout (int32 ids, property maps, revisions). The platform layer
// (agent/platform/linux/status_notifier.cpp) only turns these into GVariants and back.
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "certagent/core/ui/menu_model.hpp"
#include "certagent/core/ui/tray_model.hpp"

namespace certagent::ui {

// What the item shows (org.kde.StatusNotifierItem properties).
struct StatusNotifierView {
    std::string status;    // "Active" | "NeedsAttention" (a certificate expires soon or expired)
    std::string iconName;  // "certagent-valid", ... (config/icons/hicolor/*/status)
    std::string tooltipTitle;  // "certagent"
    std::string tooltipBody;   // the tray's tooltip, escaped for hosts that read it as markup
    bool operator==(const StatusNotifierView&) const = default;
};

StatusNotifierView statusNotifierView(const TrayPresentation& p);

// Text for a host that may read the tooltip as (a subset of) HTML: &, < and > escaped.
std::string escapeMarkup(const std::string& text);
// A dbusmenu label: "_" marks the next letter as mnemonic, so a literal "_" is doubled.
std::string dbusMenuLabel(const std::string& label);

// One com.canonical.dbusmenu property value (the types our items use).
using DbusMenuValue = std::variant<bool, std::int32_t, std::string>;

// One node of the layout GetLayout returns: (ia{sv}av). Properties hold only values that differ
// from the protocol's defaults (type "standard", enabled and visible true), as the spec asks.
struct DbusMenuNode {
    std::int32_t id = 0;
    std::map<std::string, DbusMenuValue> properties;
    std::vector<DbusMenuNode> children;
    bool operator==(const DbusMenuNode&) const = default;
};

// The menu model exported over com.canonical.dbusmenu. An item keeps its int32 id across
// updates for as long as its MenuItem id stays in the model, so an Event a host sends for a menu
// it opened before an update still names the same item; ids of items that left are not reused.
class DbusMenu {
public:
    DbusMenu();

    // Replaces the model. true (and a new revision) when the layout changed.
    bool update(const MenuModel& model);
    std::uint32_t revision() const { return revision_; }
    const DbusMenuNode& root() const { return root_; }
    const DbusMenuNode* find(std::int32_t id) const;

    // GetLayout(parentId, recursionDepth, propertyNames): the node with its children down to
    // `depth` levels (-1: all), keeping only the named properties (empty: all); nullopt for an
    // unknown id.
    std::optional<DbusMenuNode> layout(std::int32_t parent, std::int32_t depth,
                                       const std::vector<std::string>& names) const;

    // What an Event "clicked" on this id runs: the item's action; nullopt for an unknown id, a
    // heading, a separator, a submenu or a disabled item.
    std::optional<nlohmann::json> actionFor(std::int32_t id) const;

private:
    DbusMenuNode convert(const MenuItem& item, const std::string& key,
                         std::map<std::string, std::int32_t>& ids);
    std::int32_t idFor(const std::string& key, std::map<std::string, std::int32_t>& ids);

    DbusMenuNode root_;
    std::uint32_t revision_ = 1;
    std::int32_t next_id_ = 1;
    std::map<std::string, std::int32_t> ids_;          // item key -> id
    std::map<std::int32_t, nlohmann::json> actions_;   // id -> action (enabled actions only)
};

}  // namespace certagent::ui
