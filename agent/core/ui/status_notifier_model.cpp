#include "certagent/core/ui/status_notifier_model.hpp"

namespace certagent::ui {
namespace {

using json = nlohmann::json;

// Separators and headings have no stable id of their own: their place names them.
std::string keyOf(const MenuItem& item, const std::string& parentKey, std::size_t index) {
    if (!item.id.empty()) return item.id;
    return parentKey + "#" + std::to_string(index);
}

void filter(DbusMenuNode& node, std::int32_t depth, const std::vector<std::string>& names) {
    if (!names.empty()) {
        std::map<std::string, DbusMenuValue> kept;
        for (const auto& n : names)
            if (auto it = node.properties.find(n); it != node.properties.end()) kept.insert(*it);
        node.properties = std::move(kept);
    }
    if (depth == 0) {
        node.children.clear();
        return;
    }
    for (auto& c : node.children) filter(c, depth < 0 ? depth : depth - 1, names);
}

const DbusMenuNode* findIn(const DbusMenuNode& node, std::int32_t id) {
    if (node.id == id) return &node;
    for (const auto& c : node.children)
        if (auto* f = findIn(c, id)) return f;
    return nullptr;
}

}  // namespace

StatusNotifierView statusNotifierView(const TrayPresentation& p) {
    StatusNotifierView v;
    // Hosts hide "Passive" items; an expiring or expired certificate asks for attention.
    v.status = p.state == TrayState::ExpiringSoon || p.state == TrayState::Expired
                   ? "NeedsAttention"
                   : "Active";
    v.iconName = std::string("certagent-") + trayStateName(p.state);
    auto nl = p.tooltip.find('\n');
    v.tooltipTitle = p.tooltip.substr(0, nl);
    if (nl != std::string::npos) v.tooltipBody = escapeMarkup(p.tooltip.substr(nl + 1));
    return v;
}

std::string escapeMarkup(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            default: out += c;
        }
    }
    return out;
}

std::string dbusMenuLabel(const std::string& label) {
    std::string out;
    out.reserve(label.size());
    for (char c : label) {
        if (c == '_') out += '_';
        out += c;
    }
    return out;
}

DbusMenu::DbusMenu() { root_.properties["children-display"] = std::string("submenu"); }

std::int32_t DbusMenu::idFor(const std::string& wanted,
                             std::map<std::string, std::int32_t>& ids) {
    // Two items with the same id (a plugin's mistake) still get an id each.
    std::string key = wanted;
    for (int n = 2; ids.count(key); ++n) key = wanted + "~" + std::to_string(n);
    auto it = ids_.find(key);
    std::int32_t id = it != ids_.end() ? it->second : next_id_++;
    ids[key] = id;
    return id;
}

DbusMenuNode DbusMenu::convert(const MenuItem& item, const std::string& key,
                               std::map<std::string, std::int32_t>& ids) {
    DbusMenuNode node;
    node.id = idFor(key, ids);
    auto& props = node.properties;
    switch (item.kind) {
        case MenuItem::Kind::Separator: props["type"] = std::string("separator"); break;
        case MenuItem::Kind::Header:
            props["label"] = dbusMenuLabel(item.label);
            props["enabled"] = false;
            break;
        case MenuItem::Kind::Submenu:
            props["label"] = dbusMenuLabel(item.label);
            props["children-display"] = std::string("submenu");
            if (!item.enabled) props["enabled"] = false;
            for (std::size_t i = 0; i < item.children.size(); ++i)
                node.children.push_back(
                    convert(item.children[i], keyOf(item.children[i], key, i), ids));
            break;
        case MenuItem::Kind::Action:
            props["label"] = dbusMenuLabel(item.label);
            if (!item.enabled) props["enabled"] = false;
            else if (!item.action.is_null()) actions_[node.id] = item.action;
            break;
    }
    return node;
}

bool DbusMenu::update(const MenuModel& model) {
    std::map<std::string, std::int32_t> ids;
    actions_.clear();
    DbusMenuNode root;
    root.id = 0;
    root.properties["children-display"] = std::string("submenu");
    for (std::size_t i = 0; i < model.items.size(); ++i)
        root.children.push_back(convert(model.items[i], keyOf(model.items[i], "", i), ids));
    ids_ = std::move(ids);
    if (root == root_) return false;
    root_ = std::move(root);
    ++revision_;
    return true;
}

const DbusMenuNode* DbusMenu::find(std::int32_t id) const { return findIn(root_, id); }

std::optional<DbusMenuNode> DbusMenu::layout(std::int32_t parent, std::int32_t depth,
                                             const std::vector<std::string>& names) const {
    const auto* node = find(parent);
    if (!node) return std::nullopt;
    DbusMenuNode copy = *node;
    filter(copy, depth, names);
    return copy;
}

std::optional<json> DbusMenu::actionFor(std::int32_t id) const {
    auto it = actions_.find(id);
    if (it == actions_.end()) return std::nullopt;
    return it->second;
}

}  // namespace certagent::ui
