#pragma once
#include <wx/dialog.h>

#include "certagent/core/ui/settings_model.hpp"

class wxTextCtrl;
class wxCheckBox;
class wxChoice;

namespace certagent::gui {

// The settings over ui::SettingsModel: keys locked by the administrator are disabled.
class SettingsDialog : public wxDialog {
public:
    SettingsDialog(wxWindow* parent, ui::SettingsModel& model);
    // Valid values after ShowModal() returned wxID_OK.
    const ui::SettingsValues& values() const { return values_; }

private:
    bool collect();
    ui::SettingsModel& model_;
    ui::SettingsValues values_;
    wxTextCtrl* days_ = nullptr;
    wxTextCtrl* portal_ = nullptr;
    wxCheckBox* autostart_ = nullptr;
    wxChoice* language_ = nullptr;
    wxCheckBox* pinCache_ = nullptr;
};

}  // namespace certagent::gui
