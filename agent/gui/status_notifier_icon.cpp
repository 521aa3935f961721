#include "status_notifier_icon.hpp"

#include <wx/image.h>

#include <filesystem>

#include "certagent/core/paths.hpp"
#include "state_icons.hpp"
#include "tray_app.hpp"

namespace certagent::gui {
namespace {

// The protocol's pixels: ARGB32 in network byte order.
platform::IconPixmap toPixmap(const wxBitmap& bitmap) {
    wxImage img = bitmap.ConvertToImage();
    platform::IconPixmap p;
    p.width = img.GetWidth();
    p.height = img.GetHeight();
    const unsigned char* rgb = img.GetData();
    const unsigned char* alpha = img.HasAlpha() ? img.GetAlpha() : nullptr;
    p.argb.reserve(static_cast<size_t>(p.width) * p.height * 4);
    for (int i = 0; i < p.width * p.height; ++i) {
        p.argb.push_back(alpha ? alpha[i] : 255);
        p.argb.push_back(rgb[3 * i]);
        p.argb.push_back(rgb[3 * i + 1]);
        p.argb.push_back(rgb[3 * i + 2]);
    }
    return p;
}

// The installed hicolor icons, for hosts that look the icon up by name (in /usr they are in
// every theme's search path anyway; elsewhere the host needs the folder).
std::string iconThemePath() {
    std::error_code ec;
    auto dir = paths::installPrefix() / "share" / "icons";
    if (std::filesystem::exists(dir / "hicolor" / "22x22" / "status" / "certagent-valid.png", ec))
        return dir.string();
    return {};
}

}  // namespace

std::unique_ptr<StatusNotifierIcon> StatusNotifierIcon::create(TrayApp& app) {
    auto item = platform::makeStatusNotifierItem(
        [&app](const nlohmann::json& action) {
            // From the bus thread to the main thread, where every menu choice runs.
            app.CallAfter([&app, action] { app.runAction(action); });
        },
        iconThemePath());
    if (!item) return nullptr;
    return std::unique_ptr<StatusNotifierIcon>(new StatusNotifierIcon(std::move(item)));
}

StatusNotifierIcon::StatusNotifierIcon(std::unique_ptr<platform::StatusNotifierItem> item)
    : item_(std::move(item)) {}

const std::vector<platform::IconPixmap>& StatusNotifierIcon::pixmaps(ui::TrayState state) {
    auto& p = pixmaps_[state];
    if (p.empty())
        for (int size : {16, 22, 32, 48}) p.push_back(toPixmap(stateBitmap(state, size)));
    return p;
}

void StatusNotifierIcon::show(const ui::TrayPresentation& p, const ui::MenuModel& menu) {
    item_->show(p, menu, pixmaps(p.state));
}

}  // namespace certagent::gui
