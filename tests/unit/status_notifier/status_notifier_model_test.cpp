#include <gtest/gtest.h>

#include "certagent/core/i18n.hpp"
#include "certagent/core/ui/status_notifier_model.hpp"
#include "ui_test_data.hpp"

namespace certagent::ui {
namespace {
using namespace testdata;
using json = nlohmann::json;

class StatusNotifierModel : public ::testing::Test {
protected:
    void SetUp() override { i18n::setLanguage("en"); }
};

std::string str(const DbusMenuNode& n, const std::string& key) {
    auto it = n.properties.find(key);
    return it == n.properties.end() ? std::string() : std::get<std::string>(it->second);
}

const DbusMenuNode* byLabel(const DbusMenuNode& n, const std::string& label) {
    if (str(n, "label") == label) return &n;
    for (const auto& c : n.children)
        if (auto* f = byLabel(c, label)) return f;
    return nullptr;
}

TEST_F(StatusNotifierModel, AnExpiringCertificateAsksForAttentionWithTheSameIconAndTooltip) {
    TraySnapshot s{{tokenWith({cert("Ion Popescu", 10)})}};
    auto p = presentTray(s);
    auto v = statusNotifierView(p);
    EXPECT_EQ(v.status, "NeedsAttention");
    EXPECT_EQ(v.iconName, "certagent-expiring");
    EXPECT_EQ(v.tooltipTitle, "certagent");
    EXPECT_EQ(v.tooltipTitle + "\n" + v.tooltipBody, p.tooltip);
    EXPECT_NE(v.tooltipBody.find("Ion Popescu"), std::string::npos);
}

TEST_F(StatusNotifierModel, EveryTrayStateHasItsStatusAndIcon) {
    struct Case { TraySnapshot snapshot; const char* status; const char* icon; };
    TraySnapshot working{{tokenWith({cert("Ion", 200)})}};
    working.signing = true;
    std::vector<Case> cases = {
        {{{tokenWith({cert("Ion", 200)})}}, "Active", "certagent-valid"},
        {{{tokenWith({cert("Ion", -1)})}}, "NeedsAttention", "certagent-expired"},
        {{}, "Active", "certagent-no-token"},
        {working, "Active", "certagent-working"},
    };
    for (const auto& c : cases) {
        auto v = statusNotifierView(presentTray(c.snapshot));
        EXPECT_EQ(v.status, c.status) << c.icon;
        EXPECT_EQ(v.iconName, c.icon);
    }
    auto starting = statusNotifierView(presentStarting());
    EXPECT_EQ(starting.iconName, "certagent-working");
    EXPECT_EQ(starting.tooltipTitle, "certagent is starting…");
    EXPECT_EQ(starting.tooltipBody, "");
}

TEST_F(StatusNotifierModel, TooltipTextIsEscapedForMarkupAndLabelsKeepTheirUnderscores) {
    EXPECT_EQ(escapeMarkup("A & B <i>"), "A &amp; B &lt;i&gt;");
    EXPECT_EQ(dbusMenuLabel("token_1 Renew"), "token__1 Renew");
}

TEST_F(StatusNotifierModel, TheMenuModelBecomesALayoutWithTheSameItemsInOrder) {
    TraySnapshot s{{tokenWith({cert("Ion Popescu", 10)})}};
    auto model = buildMenu(s, {});
    DbusMenu menu;
    ASSERT_TRUE(menu.update(model));
    const auto& root = menu.root();
    EXPECT_EQ(root.id, 0);
    EXPECT_EQ(str(root, "children-display"), "submenu");
    ASSERT_EQ(root.children.size(), model.items.size());
    for (std::size_t i = 0; i < model.items.size(); ++i) {
        const auto& item = model.items[i];
        const auto& node = root.children[i];
        if (item.kind == MenuItem::Kind::Separator) {
            EXPECT_EQ(str(node, "type"), "separator");
            continue;
        }
        EXPECT_EQ(str(node, "label"), item.label) << item.id;
        bool enabled = item.kind != MenuItem::Kind::Header && item.enabled;
        EXPECT_EQ(node.properties.count("enabled") == 0, enabled) << item.id;
    }
    // Headings are disabled, the pending-requests submenu has its children.
    auto* heading = byLabel(root, model.find("token:SER1")->label);
    ASSERT_TRUE(heading);
    EXPECT_FALSE(std::get<bool>(heading->properties.at("enabled")));
    auto* pending = byLabel(root, "Pending requests");
    ASSERT_TRUE(pending);
    EXPECT_EQ(str(*pending, "children-display"), "submenu");
    ASSERT_EQ(pending->children.size(), 1u);
    EXPECT_EQ(str(pending->children[0], "label"), "No pending requests");
}

TEST_F(StatusNotifierModel, ClickingRenewNowRunsTheRenewActionOfThatCertificate) {
    TraySnapshot s{{tokenWith({cert("Ion Popescu", 10)})}};
    DbusMenu menu;
    menu.update(buildMenu(s, {}));
    auto* renew = byLabel(menu.root(), "Renew now…");
    ASSERT_TRUE(renew);
    auto action = menu.actionFor(renew->id);
    ASSERT_TRUE(action);
    EXPECT_EQ(*action, (json{{"action", "renew"}, {"token", "SER1"}, {"cert", "01"}}));
    // Headings, separators, the root and unknown ids run nothing.
    EXPECT_FALSE(menu.actionFor(0));
    EXPECT_FALSE(menu.actionFor(byLabel(menu.root(), "Pending requests")->id));
    EXPECT_FALSE(menu.actionFor(99999));
    for (const auto& c : menu.root().children) {
        if (c.properties.count("type")) {
            EXPECT_FALSE(menu.actionFor(c.id));
        }
    }
}

TEST_F(StatusNotifierModel, ADisabledItemRunsNothing) {
    DbusMenu menu;
    menu.update(buildMenu({}, {}));  // no token: signing is disabled
    auto* sign = byLabel(menu.root(), "Sign a PDF…");
    ASSERT_TRUE(sign);
    EXPECT_FALSE(std::get<bool>(sign->properties.at("enabled")));
    EXPECT_FALSE(menu.actionFor(sign->id));
}

TEST_F(StatusNotifierModel, IdsStayStableAcrossUpdatesAndTheRevisionMovesOnlyOnChange) {
    TraySnapshot one{{tokenWith({cert("Ion Popescu", 10)})}};
    DbusMenu menu;
    menu.update(buildMenu(one, {}));
    auto rev = menu.revision();
    auto quit = byLabel(menu.root(), "Quit")->id;
    auto renew = byLabel(menu.root(), "Renew now…")->id;

    EXPECT_FALSE(menu.update(buildMenu(one, {})));  // same menu: no new revision
    EXPECT_EQ(menu.revision(), rev);

    TraySnapshot two{{tokenWith({cert("Ion Popescu", 10), cert("Ana Pop", 200, "02")})}};
    EXPECT_TRUE(menu.update(buildMenu(two, {})));
    EXPECT_GT(menu.revision(), rev);
    EXPECT_EQ(byLabel(menu.root(), "Quit")->id, quit);
    EXPECT_EQ(menu.actionFor(renew)->at("cert"), "01");

    // An item that left takes its id with it; a newcomer never gets it.
    menu.update(buildMenu({}, {}));
    EXPECT_FALSE(menu.find(renew));
    EXPECT_FALSE(menu.actionFor(renew));
    menu.update(buildMenu(one, {}));
    EXPECT_NE(byLabel(menu.root(), "Renew now…")->id, renew);
}

TEST_F(StatusNotifierModel, GetLayoutReturnsASubtreeToTheAskedDepthWithTheAskedProperties) {
    DbusMenu menu;
    menu.update(buildMenu({{tokenWith({cert("Ion", 10)})}}, {}));
    auto top = menu.layout(0, 1, {});
    ASSERT_TRUE(top);
    auto* pending = byLabel(*top, "Pending requests");
    ASSERT_TRUE(pending);
    EXPECT_TRUE(pending->children.empty());  // depth 1: the root's children only

    auto sub = menu.layout(pending->id, -1, {"label"});
    ASSERT_TRUE(sub);
    ASSERT_EQ(sub->children.size(), 1u);
    EXPECT_EQ(sub->properties.size(), 1u);  // children-display filtered out
    EXPECT_EQ(str(sub->children[0], "label"), "No pending requests");
    EXPECT_EQ(sub->children[0].properties.count("enabled"), 0u);

    auto none = menu.layout(0, 0, {});
    ASSERT_TRUE(none);
    EXPECT_TRUE(none->children.empty());
    EXPECT_FALSE(menu.layout(424242, -1, {}));
}

TEST_F(StatusNotifierModel, TwoItemsWithTheSameIdStillGetTwoIds) {
    MenuModel m;
    MenuItem a;
    a.id = "plugin:x:same";
    a.label = "A";
    a.action = {{"action", "plugin"}, {"id", "a"}};
    auto b = a;
    b.label = "B";
    b.action = {{"action", "plugin"}, {"id", "b"}};
    m.items = {a, b};
    DbusMenu menu;
    menu.update(m);
    ASSERT_EQ(menu.root().children.size(), 2u);
    EXPECT_NE(menu.root().children[0].id, menu.root().children[1].id);
    EXPECT_EQ(menu.actionFor(menu.root().children[1].id)->at("id"), "b");
}

}  // namespace
}  // namespace certagent::ui
