#include "certagent/core/ui/menu_model.hpp"
#include "certagent/core/json_text.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"
#include "certagent/core/plugin_host.hpp"
#include "certagent/core/ui/pin_tasks.hpp"

namespace certagent::ui {
namespace {

using json = nlohmann::json;

MenuItem action(std::string id, std::string label, json act, bool enabled = true) {
    MenuItem m;
    m.kind = MenuItem::Kind::Action;
    m.id = std::move(id);
    m.label = std::move(label);
    m.action = std::move(act);
    m.enabled = enabled;
    return m;
}

MenuItem header(std::string id, std::string label) {
    MenuItem m;
    m.kind = MenuItem::Kind::Header;
    m.id = std::move(id);
    m.label = std::move(label);
    m.enabled = false;
    return m;
}

MenuItem separator() {
    MenuItem m;
    m.kind = MenuItem::Kind::Separator;
    m.enabled = false;
    return m;
}

const char* kindName(MenuItem::Kind k) {
    switch (k) {
        case MenuItem::Kind::Action: return "action";
        case MenuItem::Kind::Header: return "header";
        case MenuItem::Kind::Separator: return "separator";
        case MenuItem::Kind::Submenu: return "submenu";
    }
    return "action";
}

json itemJson(const MenuItem& m) {
    json j = {{"id", m.id}, {"kind", kindName(m.kind)}, {"label", m.label},
              {"enabled", m.enabled}};
    if (!m.action.is_null()) j["action"] = m.action;
    if (!m.children.empty()) {
        j["children"] = json::array();
        for (const auto& c : m.children) j["children"].push_back(itemJson(c));
    }
    return j;
}

const MenuItem* findIn(const std::vector<MenuItem>& items, const std::string& id) {
    for (const auto& m : items) {
        if (m.id == id) return &m;
        if (auto* f = findIn(m.children, id)) return f;
    }
    return nullptr;
}

std::string certLabel(const CertView& c) {
    if (!c.error.empty())
        return fmt::format(fmt::runtime(_("{0} — unreadable certificate")), c.holder);
    // "Ion Popescu — expires in 10 days — renew it soon"
    return fmt::format(fmt::runtime(_("{0} — {1}")), c.holder,
                       statusWithDaysText(c.status, c.daysLeft));
}

MenuItem pluginItem(const std::string& plugin, const json& item) {
    auto id = jsonText(item, "id");
    auto label = jsonText(item, "label");
    auto flag = item.find("enabled");
    bool enabled = flag == item.end() || !flag->is_boolean() || flag->get<bool>();
    json act = {{"action", "plugin"}, {"plugin", plugin}, {"id", id}};
    if (auto t = jsonText(item, "token"); !t.empty()) act["token"] = t;
    if (auto c = jsonText(item, "cert"); !c.empty()) act["cert"] = c;
    if (jsonText(item, "input") == "file") act["input"] = "file";
    return action("plugin:" + plugin + ":" + id, label, std::move(act), enabled);
}

bool validPluginItem(const json& item) {
    return item.is_object() && !jsonText(item, "id").empty() && !jsonText(item, "label").empty();
}

}  // namespace

const MenuItem* MenuModel::find(const std::string& id) const { return findIn(items, id); }

json MenuModel::toJson() const {
    json j = json::array();
    for (const auto& m : items) j.push_back(itemJson(m));
    return j;
}

std::vector<PluginMenuItems> collectPluginItems(const PluginHost& host, const json& context) {
    std::vector<PluginMenuItems> out;
    for (const auto& p : host.plugins()) {
        if (!p->isFlow()) continue;
        try {
            auto items = p->menuItems(context);
            if (!items.is_array()) {
                log::warn("ui", "plugin {}: menu items are not a JSON array; ignored",
                          p->info().name);
                continue;
            }
            out.push_back({p->info().name, std::move(items)});
        } catch (const std::exception& e) {
            log::warn("ui", "plugin {}: menu items failed: {}", p->info().name, e.what());
        }
    }
    return out;
}

MenuModel buildMenu(const TraySnapshot& snapshot, const std::vector<PluginMenuItems>& plugins) {
    MenuModel menu;
    auto& items = menu.items;

    if (snapshot.tokens.empty())
        items.push_back(header("no-token", _("No token connected — plug in your token")));

    for (const auto& t : snapshot.tokens) {
        items.push_back(header("token:" + t.serial, tokenTitle(t.label, t.serial)));
        // The PIN flags, read as what to do next ("PIN blocked — Unblock it with the SO PIN.").
        const std::string soName = t.soPinName.empty() ? unblockPinName(nullptr) : t.soPinName;
        if (auto advice = pinAdvice(t.userPin, t.soPin, soName); !advice.empty())
            items.push_back(header("pin-state:" + t.serial,
                                   fmt::format(fmt::runtime(_("⚠ {0} — {1}")), advice.state,
                                               advice.next)));
        MenuItem pin;
        pin.kind = MenuItem::Kind::Submenu;
        pin.id = "pin:" + t.serial;
        pin.label = _("PIN");
        pin.children.push_back(action("pin-change:" + t.serial, _("Change the PIN…"),
                                      {{"action", "pin_change"}, {"token", t.serial}},
                                      !t.userPin.locked && t.userPin.initialized));
        pin.children.push_back(
            action("pin-unblock:" + t.serial,
                   fmt::format(fmt::runtime(_("Unblock the PIN with the {0}…")), soName),
                   {{"action", "pin_unblock"}, {"token", t.serial}}, !t.soPin.locked));
        items.push_back(std::move(pin));
        if (t.certificates.empty())
            items.push_back(header("token-empty:" + t.serial, _("No certificate on this token")));
        for (const auto& c : t.certificates) {
            auto key = t.serial + ":" + c.idHex;
            items.push_back(action("cert:" + key, certLabel(c),
                                   {{"action", "details"}, {"token", t.serial},
                                    {"cert", c.idHex}}));
            if (c.renewable())
                items.push_back(action("renew:" + key, _("Renew now…"),
                                       {{"action", "renew"}, {"token", t.serial},
                                        {"cert", c.idHex}}));
            // A plugin's items for this certificate sit right under it.
            for (const auto& p : plugins)
                for (const auto& item : p.items)
                    if (validPluginItem(item) && jsonText(item, "token") == t.serial &&
                        jsonText(item, "cert") == c.idHex)
                        items.push_back(pluginItem(p.plugin, item));
        }
    }

    // A token plugged in whose driver is missing: say so, with the vendor's download link.
    for (const auto& d : snapshot.missingDrivers) {
        items.push_back(header("driver-missing:" + d.device, missingDriverText(d)));
        std::size_t n = 0;
        for (const auto& link : d.drivers) {
            const auto id = fmt::format("driver:{}:{}", d.device, n++);
            if (!link.url.empty())
                items.push_back(action(id,
                                       fmt::format(fmt::runtime(_("Download the driver for {0}…")),
                                                   d.product),
                                       {{"action", "open_url"}, {"url", link.url}}));
            else
                items.push_back(header(id, link.note));
        }
        if (d.drivers.empty())
            items.push_back(header("driver-unknown:" + d.device,
                                   _("No driver download is known for this system: ask your "
                                     "certification authority")));
    }

    items.push_back(separator());
    items.push_back(action("sign-pdf", _("Sign a PDF…"), {{"action", "sign_pdf"}},
                           !snapshot.tokens.empty() && !snapshot.signing));
    // Verifying needs no token: a document someone else signed.
    items.push_back(action("verify", _("Verify a signature…"), {{"action", "verify"}}));

    // Portal login with the token in Chromium and Firefox (certagent-cli browser ...).
    MenuItem browser;
    browser.kind = MenuItem::Kind::Submenu;
    browser.id = "browser";
    browser.label = _("Log in to portals from the browser");
    browser.children.push_back(action("browser-register",
                                      _("Make the tokens usable in Chromium and Firefox"),
                                      {{"action", "browser_register"}}, !snapshot.tokens.empty()));
    browser.children.push_back(action("browser-unregister", _("Undo the browser registration"),
                                      {{"action", "browser_unregister"}}));
    browser.children.push_back(action("browser-status", _("Where is the token registered?"),
                                      {{"action", "browser_status"}}));
    items.push_back(std::move(browser));

    // The local signing server for web portals, like the vendor app's Server tab.
    if (snapshot.server.known) {
        const auto& sv = snapshot.server;
        std::string state =
            sv.running ? fmt::format(fmt::runtime(_("Local signing server listens on port {0}")),
                                     sv.port)
            : sv.error.empty()
                ? std::string(_("Local signing server is stopped"))
                : fmt::format(fmt::runtime(_("Local signing server did not start: {0}")),
                              sv.error);
        items.push_back(header("server-state", state));
        if (sv.running)
            items.push_back(action("server-stop", _("Stop the local signing server"),
                                   {{"action", "server_stop"}}));
        else
            items.push_back(action("server-start", _("Start the local signing server"),
                                   {{"action", "server_start"}}));
    }

    MenuItem pending;
    pending.kind = MenuItem::Kind::Submenu;
    pending.id = "renewals";
    pending.label = _("Pending requests");
    for (const auto& r : snapshot.renewals) {
        auto label = fmt::format(fmt::runtime(_("{0}: {1} — {2}")),
                                 r.holder.empty() ? r.cert : r.holder, r.stepTitle, r.stateText);
        pending.children.push_back(action("renewal:" + r.renewalId, label,
                                          {{"action", "renewal"}, {"renewal_id", r.renewalId},
                                           {"token", r.token}, {"cert", r.cert}}));
    }
    if (pending.children.empty())
        pending.children.push_back(header("renewals-none", _("No pending requests")));
    items.push_back(std::move(pending));

    // Plugin items not tied to a certificate, grouped by their section in plugin order.
    std::vector<MenuItem> general;
    for (const auto& p : plugins)
        for (const auto& item : p.items) {
            if (!validPluginItem(item)) continue;
            if (!jsonText(item, "token").empty() && !jsonText(item, "cert").empty()) continue;
            general.push_back(pluginItem(p.plugin, item));
        }
    if (!general.empty()) {
        items.push_back(separator());
        for (auto& g : general) items.push_back(std::move(g));
    }

    items.push_back(separator());
    for (const auto& tool : snapshot.vendorTools)
        items.push_back(action("vendor-tool:" + tool.plugin, vendorToolLabel(tool),
                               {{"action", "vendor_tool"}, {"plugin", tool.plugin}}));
    items.push_back(action("settings", _("Settings…"), {{"action", "settings"}}));
    items.push_back(action("open-logs", _("Open log folder"), {{"action", "open_logs"}}));
    items.push_back(action("about", _("About certagent"), {{"action", "about"}}));
    items.push_back(action("quit", _("Quit"), {{"action", "quit"}}));
    return menu;
}

bool pluginActionNeedsFile(const json& action) { return jsonText(action, "input") == "file"; }

json pluginActionArgs(const json& action, const std::string& picked_path) {
    json args = json::object();
    for (const char* key : {"token", "cert"})
        if (auto v = jsonText(action, key); !v.empty()) args[key] = v;
    if (!pluginActionNeedsFile(action)) return args;
    if (picked_path.empty())
        throw Error(ErrorKind::InvalidInput, _("no file was chosen for this action"));
    std::error_code ec;
    const auto st = std::filesystem::status(std::filesystem::u8path(picked_path), ec);
    if (ec || !std::filesystem::is_regular_file(st))
        throw Error(ErrorKind::InvalidInput,
                    fmt::format(fmt::runtime(_("{0}: not a file that can be read")), picked_path));
    args["path"] = picked_path;
    return args;
}

std::string pluginResultText(const json& result) {
    if (auto m = jsonText(result, "message"); !m.empty()) return m;
    return _("Done.");
}

}  // namespace certagent::ui
