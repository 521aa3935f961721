// CERTAGENT_GUI_LAYOUT_DUMP (gui_ids.hpp): what a tester needs to click where a person would.
// Only observes; nothing here changes what the app does.
#include <wx/choice.h>
#include <wx/listctrl.h>
#include <wx/textctrl.h>
#include <wx/timer.h>
#include <wx/toplevel.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tray_app.hpp"

namespace certagent::gui {
namespace {

using json = nlohmann::json;

json rect(const wxRect& r) { return {r.x, r.y, r.width, r.height}; }

// Shown on screen: it and every parent up to its window are shown (IsShownOnScreen() says true
// for hidden children on GTK before the next layout).
bool visible(wxWindow* w) {
    for (; w && !w->IsTopLevel(); w = w->GetParent())
        if (!w->IsShown()) return false;
    return true;
}

// What a control shows besides its label: a text field's text (never a password field's), a
// choice's entries, a list's cells, so a test can read every word on screen.
json shownText(wxWindow* w) {
    json text = json::array();
    if (auto* t = dynamic_cast<wxTextCtrl*>(w); t && !t->HasFlag(wxTE_PASSWORD)) {
        text.push_back(t->GetValue().utf8_string());
    } else if (auto* c = dynamic_cast<wxChoice*>(w)) {
        for (unsigned i = 0; i < c->GetCount(); ++i) text.push_back(c->GetString(i).utf8_string());
    } else if (auto* l = dynamic_cast<wxListCtrl*>(w)) {
        for (long row = 0; row < l->GetItemCount(); ++row)
            for (int col = 0; col < l->GetColumnCount(); ++col)
                text.push_back(l->GetItemText(row, col).utf8_string());
    }
    return text;
}

void addControls(wxWindow* w, json& out) {
    for (auto* child : w->GetChildren()) {
        if (child->IsTopLevel()) continue;
        out.push_back({{"name", child->GetName().utf8_string()},
                       {"class", child->GetClassInfo()->GetClassName()
                                     ? wxString(child->GetClassInfo()->GetClassName()).utf8_string()
                                     : std::string()},
                       {"label", child->GetLabel().utf8_string()},
                       {"text", shownText(child)},
                       {"shown", visible(child)},
                       {"enabled", child->IsEnabled()},
                       {"rect", rect(child->GetScreenRect())}});
        addControls(child, out);
    }
}

class LayoutDump : public wxEvtHandler {
public:
    explicit LayoutDump(std::string file) : file_(std::move(file)), timer_(this) {
        Bind(wxEVT_TIMER, [this](wxTimerEvent&) { write(); });
        timer_.Start(250);
    }

private:
    void write() {
        json windows = json::array();
        for (auto* w : wxTopLevelWindows) {
            if (!w->IsShown()) continue;
            json controls = json::array();
            addControls(w, controls);
            windows.push_back({{"title", w->GetLabel().utf8_string()},
                               {"rect", rect(w->GetScreenRect())},
                               {"controls", std::move(controls)}});
        }
        auto text = windows.dump(1);
        if (text == last_) return;
        last_ = text;
        std::ofstream(file_ + ".tmp") << text << "\n";
        std::error_code ec;
        std::filesystem::rename(file_ + ".tmp", file_, ec);
    }
    std::string file_;
    std::string last_;
    wxTimer timer_;
};

}  // namespace

void TrayApp::startLayoutDump(const std::string& file) {
    layout_dump_ = std::make_unique<LayoutDump>(file);
}

}  // namespace certagent::gui
