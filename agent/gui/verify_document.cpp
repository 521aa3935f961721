#include "verify_document.hpp"
#include "wx_text.hpp"

#include <fmt/format.h>
#include <wx/button.h>
#include <wx/dialog.h>
#include <wx/filedlg.h>
#include <wx/msgdlg.h>
#include <wx/sizer.h>
#include <wx/stattext.h>
#include <wx/textctrl.h>

#include <optional>

#include "certagent/core/agent.hpp"
#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/signing/report.hpp"
#include "tray_app.hpp"

namespace certagent::gui {
namespace fs = std::filesystem;
namespace {

std::string errorText(const std::exception& e) {
    if (const auto* ce = dynamic_cast<const Error*>(&e)) return describe(*ce);
    return e.what();
}

void showReport(const signing::ReportView& view) {
    wxDialog dlg(nullptr, wxID_ANY, u8(_("Signature verification")), wxDefaultPosition,
                 wxDefaultSize, wxDEFAULT_DIALOG_STYLE | wxRESIZE_BORDER);
    auto* sizer = new wxBoxSizer(wxVERTICAL);
    auto* head = new wxStaticText(&dlg, wxID_ANY, u8(view.verdict));
    head->SetFont(head->GetFont().Bold());
    head->Wrap(dlg.FromDIP(700));
    sizer->Add(head, 0, wxALL, 10);
    // Wrapped, not clipped: subjects, chain messages and file paths are longer than a line.
    auto* text = new wxTextCtrl(&dlg, wxID_ANY, u8(signing::reportText(view)), wxDefaultPosition,
                                dlg.FromDIP(wxSize(720, 420)), wxTE_MULTILINE | wxTE_READONLY);
    sizer->Add(text, 1, wxEXPAND | wxLEFT | wxRIGHT, 10);
    sizer->Add(dlg.CreateButtonSizer(wxOK), 0, wxEXPAND | wxALL, 10);
    dlg.SetSizerAndFit(sizer);
    dlg.ShowModal();
}
}  // namespace

void verifyInteractively(TrayApp& app) {
    wxFileDialog open(nullptr, u8(_("Choose the signed PDF or the signature (.p7s)")), "", "",
                      u8(_("Signed documents (*.pdf;*.p7s)|*.pdf;*.PDF;*.p7s;*.P7S|All files|*")),
                      wxFD_OPEN | wxFD_FILE_MUST_EXIST);
    if (open.ShowModal() != wxID_OK) return;
    verifyFile(app, fs::u8path(open.GetPath().utf8_string()));
}

void verifyFile(TrayApp& app, const fs::path& file) {
    signing::VerifyInput input;
    try {
        try {
            input = signing::resolveVerifyInput(file);
        } catch (const Error& e) {
            // A .p7s whose signed file is elsewhere: ask for it rather than fail.
            if (e.kind() != ErrorKind::InvalidInput || file.extension() != ".p7s") throw;
            wxFileDialog data(nullptr, u8(_("Choose the file this signature is for")),
                              u8(file.parent_path().string()), "", "*",
                              wxFD_OPEN | wxFD_FILE_MUST_EXIST);
            if (data.ShowModal() != wxID_OK) return;
            input = signing::resolveVerifyInput(file, fs::u8path(data.GetPath().utf8_string()));
        }
    } catch (const std::exception& e) {
        wxMessageBox(u8(errorText(e)), u8(_("Signature verification")), wxOK | wxICON_ERROR);
        return;
    }
    bool started = app.startJob([&app, input] {
        std::optional<signing::ReportView> view;
        std::string error;
        try {
            view = signing::reportView(
                input.file, signing::verifyInputWithConfig(input, app.agent().config(),
                                                           app.agent().stateDir()));
        } catch (const std::exception& e) {
            error = errorText(e);
        }
        if (app.exiting()) return;
        app.CallAfter([view, error] {
            if (view)
                showReport(*view);
            else
                wxMessageBox(u8(fmt::format(fmt::runtime(_("The signature could not be checked: {0}")),
                                            error)),
                             u8(_("Signature verification")), wxOK | wxICON_ERROR);
        });
    });
    if (!started)
        wxMessageBox(u8(_("Another operation is still running; try again when it has finished.")),
                     u8(_("Signature verification")), wxOK | wxICON_INFORMATION);
}

}  // namespace certagent::gui
