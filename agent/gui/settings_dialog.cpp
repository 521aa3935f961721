#include "settings_dialog.hpp"
#include "wx_text.hpp"

#include <fmt/format.h>
#include <wx/button.h>
#include <wx/settings.h>
#include <wx/checkbox.h>
#include <wx/choice.h>
#include <wx/msgdlg.h>
#include <wx/sizer.h>
#include <wx/stattext.h>
#include <wx/textctrl.h>

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"

namespace certagent::gui {
namespace {
const char* const kLanguages[] = {"auto", "ro", "en"};
}  // namespace

SettingsDialog::SettingsDialog(wxWindow* parent, ui::SettingsModel& model)
    : wxDialog(parent, wxID_ANY, u8(_("certagent settings"))), model_(model),
      values_(model.initial()) {
    const int gap = FromDIP(8);
    auto* grid = new wxFlexGridSizer(2, gap, gap);
    grid->AddGrowableCol(1);
    auto lockedNote = u8(_("Set by your administrator"));
    auto lock = [&](wxWindow* w, const char* key) {
        if (!model_.isLocked(key)) return;
        w->Disable();
        w->SetToolTip(lockedNote);
    };
    auto label = [&](const std::string& text) {
        grid->Add(new wxStaticText(this, wxID_ANY, u8(text)), 0, wxALIGN_CENTER_VERTICAL);
    };

    label(_("Remind me before expiry (days)"));
    days_ = new wxTextCtrl(this, wxID_ANY,
                           ui::SettingsModel::formatThresholds(values_.daysBefore));
    grid->Add(days_, 1, wxEXPAND);
    lock(days_, "reminders.days_before");

    label(_("Renewal portal address"));
    portal_ = new wxTextCtrl(this, wxID_ANY, u8(values_.portalUrl), wxDefaultPosition,
                             wxSize(FromDIP(300), -1));
    grid->Add(portal_, 1, wxEXPAND);
    lock(portal_, "renewal.portal_url");

    label(_("Language"));
    language_ = new wxChoice(this, wxID_ANY);
    language_->Append(u8(_("As the system")));
    language_->Append(u8("Română"));
    language_->Append(u8("English"));
    int sel = 0;
    for (int i = 0; i < 3; ++i)
        if (values_.language == kLanguages[i]) sel = i;
    language_->SetSelection(sel);
    grid->Add(language_, 1, wxEXPAND);
    lock(language_, "ui.language");

    grid->AddSpacer(0);
    autostart_ = new wxCheckBox(this, wxID_ANY, u8(_("Start with the session")));
    autostart_->SetValue(values_.autostart);
    grid->Add(autostart_);
    lock(autostart_, "ui.autostart");

    grid->AddSpacer(0);
    pinCache_ = new wxCheckBox(this, wxID_ANY, u8(_("Remember the PIN until I log out")));
    pinCache_->SetValue(values_.pinCache);
    grid->Add(pinCache_);
    lock(pinCache_, "ui.pin_cache");

    auto* sizer = new wxBoxSizer(wxVERTICAL);
    sizer->Add(grid, 1, wxEXPAND | wxALL, FromDIP(12));
    auto* where = new wxStaticText(
        this, wxID_ANY,
        u8(fmt::format(fmt::runtime(_("Saved in {0}")), model_.userFile().string())));
    where->SetForegroundColour(wxSystemSettings::GetColour(wxSYS_COLOUR_GRAYTEXT));
    sizer->Add(where, 0, wxLEFT | wxRIGHT, FromDIP(12));
    sizer->Add(CreateStdDialogButtonSizer(wxOK | wxCANCEL), 0, wxEXPAND | wxALL, FromDIP(12));
    SetSizerAndFit(sizer);
    Bind(wxEVT_BUTTON, [this](wxCommandEvent& e) {
        if (collect()) e.Skip();
    }, wxID_OK);
    CentreOnScreen();
}

bool SettingsDialog::collect() {
    ui::SettingsValues v = values_;
    std::vector<std::string> problems;
    try {
        v.daysBefore = ui::SettingsModel::parseThresholds(days_->GetValue().utf8_string());
    } catch (const Error& e) {
        problems.push_back(e.what());
    }
    v.portalUrl = portal_->GetValue().Strip(wxString::both).utf8_string();
    v.language = kLanguages[std::max(0, language_->GetSelection())];
    v.autostart = autostart_->GetValue();
    v.pinCache = pinCache_->GetValue();
    if (problems.empty()) problems = model_.validate(v);
    if (!problems.empty()) {
        std::string all;
        for (const auto& p : problems) all += p + "\n";
        wxMessageBox(u8(all), u8(_("Some settings are not valid")), wxOK | wxICON_WARNING, this);
        return false;
    }
    values_ = v;
    return true;
}

}  // namespace certagent::gui
