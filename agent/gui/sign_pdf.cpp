#include "sign_pdf.hpp"
#include "wx_text.hpp"

#include <wx/choicdlg.h>
#include <wx/filedlg.h>
#include <wx/msgdlg.h>

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"
#include "certagent/core/signing/sign_document.hpp"
#include "tray_app.hpp"

namespace certagent::gui {

void signPdfInteractively(TrayApp& app) {
    std::vector<ui::CertView> usable;
    for (const auto& t : app.snapshot().tokens)
        for (const auto& c : t.certificates)
            if (c.error.empty() && c.hasPrivateKey && c.status != token::CertStatus::Expired)
                usable.push_back(c);
    if (usable.empty()) {
        wxMessageBox(u8(_("No valid certificate with its key is on the connected tokens.")),
                     u8(_("Sign a PDF")), wxOK | wxICON_INFORMATION);
        return;
    }
    wxFileDialog open(nullptr, u8(_("Choose the PDF to sign")), "", "", "PDF (*.pdf)|*.pdf",
                      wxFD_OPEN | wxFD_FILE_MUST_EXIST);
    if (open.ShowModal() != wxID_OK) return;
    std::string in = open.GetPath().utf8_string();
    size_t choice = 0;
    if (usable.size() > 1) {
        wxArrayString names;
        for (const auto& c : usable)
            names.Add(u8(fmt::format("{} ({})", c.holder, c.tokenLabel)));
        int sel = wxGetSingleChoiceIndex(u8(_("Sign with which certificate?")),
                                         u8(_("Sign a PDF")), names);
        if (sel < 0) return;
        choice = static_cast<size_t>(sel);
    }
    auto suggested = signing::defaultSignedPath(std::filesystem::u8path(in), false);
    wxFileDialog save(nullptr, u8(_("Save the signed PDF as")),
                      u8(suggested.parent_path().string()), u8(suggested.filename().string()),
                      "PDF (*.pdf)|*.pdf",
                      wxFD_SAVE | wxFD_OVERWRITE_PROMPT);
    if (save.ShowModal() != wxID_OK) return;
    std::string out = save.GetPath().utf8_string();
    auto cert = usable[choice];
    // PKCS#11 work never runs on the UI thread; the PIN dialog is marshalled back to it. The
    // same signing path as the CLI and the local server: the chain from [renewal] ca_bundle.
    bool started = app.startJob([&app, cert, in, out, askPin = app.pinCallback()] {
        std::string error;
        try {
            signing::SignDocumentRequest request;
            request.in = std::filesystem::u8path(in);
            request.out = std::filesystem::u8path(out);
            request.token = cert.tokenSerial;
            request.certId = token::fromHex(cert.idHex);
            request.overwrite = true;  // the save dialog asked already
            try {
                signing::signDocument(app.agent(), request, askPin);
            } catch (const Error& e) {
                if (e.kind() == ErrorKind::PinIncorrect) app.pinCache().forget(cert.tokenSerial);
                throw;
            }
        } catch (const std::exception& e) {
            error = e.what();
        }
        if (app.exiting()) return;
        app.CallAfter([&app, error, out] {
            app.setSigning(false);
            if (error.empty())
                wxMessageBox(u8(fmt::format(fmt::runtime(_("The document is signed: {0}")), out)),
                             u8(_("Sign a PDF")), wxOK | wxICON_INFORMATION);
            else
                wxMessageBox(u8(fmt::format(fmt::runtime(_("The document was not signed: {0}")),
                                            error)),
                             u8(_("Sign a PDF")), wxOK | wxICON_ERROR);
        });
    });
    if (started)
        app.setSigning(true);
    else
        wxMessageBox(u8(_("Another operation is still running; try again when it has finished.")),
                     u8(_("Sign a PDF")), wxOK | wxICON_INFORMATION);
}

}  // namespace certagent::gui
