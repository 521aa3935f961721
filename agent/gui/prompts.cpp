// The questions plugins ask through certagent.ui/1, as the tray's dialogs. Any thread: each
// dialog runs on the main thread while the caller (a plugin's job) waits.
#include <wx/choicdlg.h>
#include <wx/filedlg.h>
#include <wx/msgdlg.h>
#include <wx/utils.h>

#include "certagent/core/json_text.hpp"
#include "tray_app.hpp"
#include "wx_text.hpp"

namespace certagent::gui {
namespace {

using json = nlohmann::json;

}  // namespace

Prompts makePrompts(TrayApp& app) {
    Prompts p;
    p.confirm = [&app](const json& r) -> std::optional<json> {
        auto answer = app.onMainThread<int>([r] {
            wxMessageDialog d(nullptr, u8(jsonText(r, "text")), u8(jsonText(r, "title")),
                              wxYES_NO | wxNO_DEFAULT | wxICON_QUESTION | wxSTAY_ON_TOP);
            if (auto yes = jsonText(r, "yes"), no = jsonText(r, "no"); !yes.empty() && !no.empty())
                d.SetYesNoLabels(u8(yes), u8(no));
            return d.ShowModal();
        });
        if (!answer) return std::nullopt;
        return json{{"answer", *answer == wxID_YES}};
    };
    p.choose = [&app](const json& r) -> std::optional<json> {
        auto index = app.onMainThread<int>([r] {
            wxArrayString options;
            for (const auto& o : r.value("options", json::array()))
                if (o.is_string()) options.Add(u8(o.get<std::string>()));
            return wxGetSingleChoiceIndex(u8(jsonText(r, "text")), u8(jsonText(r, "title")),
                                          options);
        });
        if (!index || *index < 0) return std::nullopt;
        return json{{"index", *index}};
    };
    p.chooseFile = [&app](const json& r) -> std::optional<json> {
        auto path = app.onMainThread<std::string>([r] {
            std::string patterns;
            for (const auto& pat : r.value("patterns", json::array()))
                if (pat.is_string()) patterns += (patterns.empty() ? "" : ";") + pat.get<std::string>();
            auto wildcard = patterns.empty() ? std::string(wxFileSelectorDefaultWildcardStr)
                                             : patterns + "|" + patterns;
            const bool save = r.value("save", false);
            wxFileDialog d(
                nullptr, u8(jsonText(r, "title")), "", u8(jsonText(r, "suggested")), u8(wildcard),
                save ? wxFD_SAVE | wxFD_OVERWRITE_PROMPT : wxFD_OPEN | wxFD_FILE_MUST_EXIST);
            return d.ShowModal() == wxID_OK ? d.GetPath().utf8_string() : std::string();
        });
        if (!path || path->empty()) return std::nullopt;
        return json{{"path", *path}};
    };
    p.open = [&app](const json& r) -> std::optional<json> {
        auto opened = app.onMainThread<bool>([r] {
            auto target = jsonText(r, "target");
            return target.rfind("http", 0) == 0 ? wxLaunchDefaultBrowser(u8(target))
                                                : wxLaunchDefaultApplication(u8(target));
        });
        return json{{"opened", opened.value_or(false)}};
    };
    return p;
}

}  // namespace certagent::gui
