#include "certificate_window.hpp"
#include "wx_text.hpp"

#include <fmt/format.h>
#include <wx/button.h>
#include <wx/dialog.h>
#include <wx/filedlg.h>
#include <wx/listctrl.h>
#include <wx/msgdlg.h>
#include <wx/sizer.h>
#include <wx/stattext.h>

#include "certagent/core/error.hpp"
#include "certagent/core/files.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"
#include "certagent/core/ui/certificate_view.hpp"
#include "tray_app.hpp"

namespace certagent::gui {

namespace {

class CertificateWindow : public wxDialog {
public:
    CertificateWindow(TrayApp& app, const ui::CertView& cert, token::CertificateDetails details)
        : wxDialog(nullptr, wxID_ANY, u8(_("Certificate")), wxDefaultPosition, wxDefaultSize,
                   wxDEFAULT_DIALOG_STYLE | wxRESIZE_BORDER),
          details_(std::move(details)) {
        SetName("certificate_window");
        auto* sizer = new wxBoxSizer(wxVERTICAL);
        const int gap = FromDIP(10);
        auto* head = new wxStaticText(
            this, wxID_ANY,
            u8(fmt::format(fmt::runtime(_("{0} — token {1} (serial {2}), id {3}")), cert.holder,
                           cert.tokenLabel, cert.tokenSerial, cert.idHex)));
        head->SetName("certificate_holder");
        head->SetFont(head->GetFont().Bold());
        sizer->Add(head, 0, wxALL, gap);

        auto* list = new wxListCtrl(this, wxID_ANY, wxDefaultPosition,
                                    wxSize(FromDIP(680), FromDIP(420)),
                                    wxLC_REPORT | wxLC_SINGLE_SEL | wxLC_HRULES);
        list->SetName("certificate_details");
        list->InsertColumn(0, u8(_("Field")), wxLIST_FORMAT_LEFT, FromDIP(220));
        list->InsertColumn(1, u8(_("Value")), wxLIST_FORMAT_LEFT, FromDIP(440));
        long row = 0;
        const auto now = app.agent().clock().now();
        const int expiring = app.tokenService()->options().expiringWithinDays;
        for (const auto& r : ui::certificateRows(details_, now, expiring)) {
            // A list row holds one line: multi-line values continue on rows of their own.
            std::vector<std::string> lines;
            std::string v = r.value;
            for (std::size_t p; (p = v.find('\n')) != std::string::npos; v.erase(0, p + 1))
                lines.push_back(v.substr(0, p));
            lines.push_back(v);
            for (std::size_t k = 0; k < lines.size(); ++k) {
                long i = list->InsertItem(row++, k == 0 ? u8(r.label) : wxString());
                list->SetItem(i, 1, u8(lines[k]));
                if (r.heading) {
                    wxFont f = list->GetFont().Bold();
                    list->SetItemFont(i, f);
                }
            }
        }
        sizer->Add(list, 1, wxEXPAND | wxLEFT | wxRIGHT, gap);

        auto* buttons = new wxBoxSizer(wxHORIZONTAL);
        auto* exportButton = new wxButton(this, wxID_ANY, u8(_("Export…")));
        exportButton->SetName("export");
        auto* close = new wxButton(this, wxID_CLOSE, u8(_("Close")));
        close->SetName("close");
        buttons->Add(exportButton, 0, wxRIGHT, gap);
        buttons->AddStretchSpacer();
        buttons->Add(close, 0);
        sizer->Add(buttons, 0, wxEXPAND | wxALL, gap);
        SetSizerAndFit(sizer);
        exportButton->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { exportCertificate(); });
        close->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { Close(); });
        Bind(wxEVT_CLOSE_WINDOW, [this](wxCloseEvent&) { Destroy(); });
        SetEscapeId(wxID_CLOSE);
        CentreOnScreen();
    }

private:
    void exportCertificate() {
        // The wildcard index decides the format: PEM first (text, what portals usually ask for).
        wxFileDialog save(this, u8(_("Export the certificate")), "",
                          u8(ui::exportFileName(details_, token::ExportFormat::Pem)),
                          u8(_("PEM certificate (*.pem)|*.pem|DER certificate (*.cer)|*.cer")),
                          wxFD_SAVE | wxFD_OVERWRITE_PROMPT);
        if (save.ShowModal() != wxID_OK) return;
        const auto format =
            save.GetFilterIndex() == 1 ? token::ExportFormat::Der : token::ExportFormat::Pem;
        const auto path = std::filesystem::u8path(save.GetPath().utf8_string());
        try {
            writeFileAtomically(path, token::exportCertificate(details_.info.der, format));
            wxMessageBox(u8(fmt::format(fmt::runtime(_("The certificate was saved to {0}")),
                                        path.string())),
                         u8(_("Certificate")), wxOK | wxICON_INFORMATION, this);
        } catch (const Error& e) {
            wxMessageBox(u8(describe(e)), u8(_("The certificate was not saved")),
                         wxOK | wxICON_ERROR, this);
        }
    }

    token::CertificateDetails details_;
};

}  // namespace

void showCertificateWindow(TrayApp& app, const ui::CertView& cert,
                           const std::vector<token::Bytes>& sameToken) {
    if (cert.der.empty()) {
        wxMessageBox(u8(fmt::format(fmt::runtime(_("This object is not a readable certificate: "
                                                   "{0}")),
                                    cert.error)),
                     u8(_("Certificate")), wxOK | wxICON_ERROR);
        return;
    }
    try {
        auto details = token::certificateDetails(cert.der, sameToken);
        (new CertificateWindow(app, cert, std::move(details)))->Show();
    } catch (const Error& e) {
        log::warn("gui", "certificate {}: {}", cert.idHex, describe(e));
        wxMessageBox(u8(describe(e)), u8(_("Certificate")), wxOK | wxICON_ERROR);
    }
}

}  // namespace certagent::gui
