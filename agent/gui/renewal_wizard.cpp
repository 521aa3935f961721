#include "renewal_wizard.hpp"
#include "wx_text.hpp"

#include <fmt/format.h>
#include <wx/button.h>
#include <wx/filepicker.h>
#include <wx/gauge.h>
#include <wx/msgdlg.h>
#include <wx/panel.h>
#include <wx/radiobut.h>
#include <wx/textctrl.h>
#include <wx/sizer.h>
#include <wx/stattext.h>
#include <wx/utils.h>

#include "certagent/core/events.hpp"
#include "certagent/core/i18n.hpp"
#include "tray_app.hpp"

namespace certagent::gui {
namespace {

const char* mark(ui::StepState s) {
    switch (s) {
        case ui::StepState::Done: return "\u2714";     // ✔
        case ui::StepState::Running: return "\u25B6";  // ▶
        case ui::StepState::Waiting: return "\u231B";  // ⌛
        case ui::StepState::Failed: return "\u2716";   // ✖
        case ui::StepState::Pending: return "\u25CB";  // ○
    }
    return " ";
}
}  // namespace

RenewalWizard::RenewalWizard(TrayApp& app, const ui::CertView& cert)
    : wxFrame(nullptr, wxID_ANY, u8(_("Renew certificate")), wxDefaultPosition, wxDefaultSize,
              wxDEFAULT_FRAME_STYLE & ~wxMAXIMIZE_BOX),
      app_(app), cert_(cert) {
    auto* root = new wxPanel(this);
    auto* sizer = new wxBoxSizer(wxVERTICAL);
    heading_ = new wxStaticText(root, wxID_ANY, "");
    heading_->SetFont(heading_->GetFont().Bold().Larger());
    sizer->Add(heading_, 0, wxALL, FromDIP(12));

    start_ = new wxPanel(root);
    progress_ = new wxPanel(root);
    sizer->Add(start_, 0, wxEXPAND | wxLEFT | wxRIGHT, FromDIP(12));
    sizer->Add(progress_, 1, wxEXPAND | wxLEFT | wxRIGHT, FromDIP(12));
    buildStartPanel();
    buildProgressPanel();

    auto* close = new wxButton(root, wxID_CLOSE, u8(_("Close")));
    close->SetToolTip(u8(_("The renewal goes on in the background; reopen it from the tray "
                           "menu.")));
    close->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { Close(); });
    sizer->Add(close, 0, wxALIGN_RIGHT | wxALL, FromDIP(12));
    root->SetSizer(sizer);
    auto* frameSizer = new wxBoxSizer(wxVERTICAL);
    frameSizer->Add(root, 1, wxEXPAND);
    SetSizer(frameSizer);
    // Closing hides: the window's state comes from core and is rebuilt on reopening anyway.
    Bind(wxEVT_CLOSE_WINDOW, [this](wxCloseEvent& e) {
        if (e.CanVeto()) {
            e.Veto();
            Hide();
        } else {
            Destroy();
        }
    });
    setCertificate(cert, {});
}

void RenewalWizard::buildStartPanel() {
    auto* s = new wxBoxSizer(wxVERTICAL);
    auto* intro = new wxStaticText(
        start_, wxID_ANY,
        u8(_("Before you start: scan your identity card at 300 dpi or more and save it as a "
             "PDF. Keep the token plugged in until the new certificate is installed.")));
    intro->Wrap(FromDIP(460));
    s->Add(intro, 0, wxBOTTOM, FromDIP(10));
    auto* grid = new wxFlexGridSizer(2, FromDIP(8), FromDIP(8));
    grid->AddGrowableCol(1);
    grid->Add(new wxStaticText(start_, wxID_ANY, u8(_("Identity card (PDF)"))), 0,
              wxALIGN_CENTER_VERTICAL);
    // The path can be typed or pasted as well as picked.
    id_document_ = new wxFilePickerCtrl(start_, wxID_ANY, wxString(),
                                        u8(_("Choose the scanned identity card")),
                                        "PDF (*.pdf)|*.pdf", wxDefaultPosition,
                                        wxSize(FromDIP(320), -1),
                                        wxFLP_OPEN | wxFLP_FILE_MUST_EXIST | wxFLP_USE_TEXTCTRL);
    id_document_->SetName("id-document");
    if (auto* text = id_document_->GetTextCtrl()) text->SetName("id-document-path");
    grid->Add(id_document_, 1, wxEXPAND);
    grid->Add(new wxStaticText(start_, wxID_ANY, u8(_("Extend for"))), 0,
              wxALIGN_CENTER_VERTICAL);
    auto* years = new wxBoxSizer(wxHORIZONTAL);
    for (int y = 1; y <= 3; ++y) {
        auto* r = new wxRadioButton(
            start_, wxID_ANY,
            u8(fmt::format(fmt::runtime(i18n::trn("{0} year", "{0} years", y)), y)),
            wxDefaultPosition, wxDefaultSize, y == 1 ? wxRB_GROUP : 0);
        r->SetName("years-" + std::to_string(y));
        years_.push_back(r);
        years->Add(r, 0, wxRIGHT, FromDIP(12));
    }
    years_.front()->SetValue(true);
    grid->Add(years);
    s->Add(grid, 0, wxEXPAND);
    auto* go = new wxButton(start_, wxID_ANY, u8(_("Start the renewal")));
    go->SetName("start");
    go->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { start(); });
    s->Add(go, 0, wxTOP, FromDIP(12));
    start_->SetSizer(s);
}

void RenewalWizard::buildProgressPanel() {
    auto* s = new wxBoxSizer(wxVERTICAL);
    auto* grid = new wxFlexGridSizer(3, FromDIP(4), FromDIP(10));
    grid->AddGrowableCol(1);
    for (const auto& id : ui::renewalStepIds()) {
        step_marks_.push_back(new wxStaticText(progress_, wxID_ANY, mark(ui::StepState::Pending)));
        step_titles_.push_back(new wxStaticText(progress_, wxID_ANY, u8(ui::renewalStepTitle(id))));
        step_states_.push_back(new wxStaticText(progress_, wxID_ANY, ""));
        grid->Add(step_marks_.back());
        grid->Add(step_titles_.back(), 1, wxEXPAND);
        grid->Add(step_states_.back());
    }
    s->Add(grid, 0, wxEXPAND | wxBOTTOM, FromDIP(10));
    gauge_ = new wxGauge(progress_, wxID_ANY, 100);
    s->Add(gauge_, 0, wxEXPAND | wxBOTTOM, FromDIP(8));
    message_ = new wxStaticText(progress_, wxID_ANY, "");
    s->Add(message_, 0, wxEXPAND | wxBOTTOM, FromDIP(6));
    next_steps_ = new wxStaticText(progress_, wxID_ANY, "");
    next_steps_->SetForegroundColour(wxColour(180, 30, 30));
    s->Add(next_steps_, 0, wxEXPAND | wxBOTTOM, FromDIP(6));

    auto* buttons = new wxBoxSizer(wxHORIZONTAL);
    show_declaration_ = new wxButton(progress_, wxID_ANY, u8(_("Show the declaration")));
    sign_declaration_ = new wxButton(progress_, wxID_ANY, u8(_("Sign the declaration")));
    pay_ = new wxButton(progress_, wxID_ANY, u8(_("Open the payment page")));
    retry_ = new wxButton(progress_, wxID_ANY, u8(_("Retry")));
    check_ = new wxButton(progress_, wxID_ANY, u8(_("Check now")));
    continue_ = new wxButton(progress_, wxID_ANY, u8(_("Continue the renewal")));
    show_declaration_->SetName("show-declaration");
    sign_declaration_->SetName("sign-declaration");
    pay_->SetName("pay");
    retry_->SetName("retry");
    check_->SetName("check");
    continue_->SetName("continue");
    for (auto* b : {continue_, show_declaration_, sign_declaration_, pay_, retry_, check_})
        buttons->Add(b, 0, wxRIGHT, FromDIP(6));
    s->Add(buttons, 0, wxTOP, FromDIP(6));
    progress_->SetSizer(s);

    show_declaration_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) {
        auto v = app_.renewals().find(renewal_id_);
        if (!v || v->declaration.empty()) return;
        // The user sees what they sign before the Sign button is enabled.
        if (v->declaration.rfind("https://", 0) == 0)
            wxLaunchDefaultBrowser(u8(v->declaration));
        else
            wxLaunchDefaultApplication(u8(v->declaration));
        declaration_shown_ = true;
        update();
    });
    sign_declaration_->Bind(wxEVT_BUTTON,
                            [this](wxCommandEvent&) { publish("renewal.sign_declaration"); });
    pay_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) {
        if (auto v = app_.renewals().find(renewal_id_); v && !v->paymentUrl.empty()) {
            wxLaunchDefaultBrowser(u8(v->paymentUrl));
            // The page is open: the renewal follows the payment from now on.
            publish("renewal.open_payment");
        }
    });
    retry_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { publish("renewal.retry"); });
    check_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { publish("renewal.check"); });
    continue_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { publish("renewal.resume"); });
}

void RenewalWizard::setCertificate(const ui::CertView& cert, const std::string& renewalId) {
    if (cert.tokenSerial != cert_.tokenSerial || cert.idHex != cert_.idHex)
        declaration_shown_ = false;
    cert_ = cert;
    renewal_id_ = renewalId;
    if (renewal_id_.empty())
        if (auto v = app_.renewals().findFor(cert.tokenSerial, cert.idHex); v && !v->finished)
            renewal_id_ = v->renewalId;
    heading_->SetLabel(u8(fmt::format(fmt::runtime(_("{0} — certificate {1}")), cert.holder,
                                      ui::daysLeftText(cert.daysLeft))));
    update();
}

void RenewalWizard::start() {
    auto file = id_document_->GetPath().utf8_string();
    if (file.empty()) {
        wxMessageBox(u8(_("Choose the scanned identity card (PDF) first.")),
                     u8(_("Renew certificate")), wxOK | wxICON_INFORMATION, this);
        return;
    }
    int years = 1;
    for (size_t i = 0; i < years_.size(); ++i)
        if (years_[i]->GetValue()) years = static_cast<int>(i) + 1;
    publish("renew", {{"years", years}, {"id_document", file}});
    message_->SetLabel(u8(_("Request sent. The steps below follow the renewal.")));
}

void RenewalWizard::publish(const std::string& action, nlohmann::json args) {
    nlohmann::json e = {{"type", events::kUserAction}, {"action", action},
                        {"token", cert_.tokenSerial}, {"cert", cert_.idHex}, {"args", args},
                        {"source", "gui"}};
    if (!renewal_id_.empty()) e["renewal_id"] = renewal_id_;
    app_.agent().bus().publish(std::move(e));
}

void RenewalWizard::update() {
    if (renewal_id_.empty())
        if (auto v = app_.renewals().findFor(cert_.tokenSerial, cert_.idHex); v && !v->finished)
            renewal_id_ = v->renewalId;
    auto v = renewal_id_.empty() ? std::nullopt : app_.renewals().find(renewal_id_);
    start_->Show(!v);
    progress_->Show(true);
    std::optional<ui::RenewalView> view = v;
    if (!view) {
        view = ui::RenewalView{};
        for (const auto& id : ui::renewalStepIds())
            view->steps.push_back({id, ui::renewalStepTitle(id)});
    }
    for (size_t i = 0; i < step_titles_.size() && i < view->steps.size(); ++i) {
        const auto& st = view->steps[i];
        step_marks_[i]->SetLabel(u8(mark(st.state)));
        step_states_[i]->SetLabel(st.state == ui::StepState::Pending
                                      ? wxString()
                                      : u8(ui::stepStateText(st.state)));
        auto font = step_titles_[i]->GetFont();
        font.SetWeight(st.id == view->currentStep ? wxFONTWEIGHT_BOLD : wxFONTWEIGHT_NORMAL);
        step_titles_[i]->SetFont(font);
        if (st.id == view->currentStep)
            gauge_->SetValue(static_cast<int>(st.progress.value_or(0.0) * 100));
    }
    if (v) message_->SetLabel(u8(view->message));
    // An interrupted renewal says where it stopped and what continuing does, before anything
    // (a PIN) is asked.
    next_steps_->SetLabel(u8(v && view->interrupted ? view->next : view->nextSteps));
    next_steps_->Wrap(FromDIP(460));
    bool atDeclaration = v && view->currentStep == "declaration" &&
                         view->state == ui::StepState::Waiting;
    show_declaration_->Show(atDeclaration && !view->declaration.empty());
    sign_declaration_->Show(atDeclaration);
    sign_declaration_->Enable(declaration_shown_);
    if (atDeclaration && !declaration_shown_)
        sign_declaration_->SetToolTip(u8(_("Read the declaration first.")));
    pay_->Show(v && view->currentStep == "payment" && !view->paymentUrl.empty() &&
               view->state != ui::StepState::Done);
    continue_->Show(v && view->interrupted && !view->finished);
    retry_->Show(v && !view->interrupted && view->state == ui::StepState::Failed &&
                 !view->finished);
    check_->Show(v && view->currentStep == "validation" &&
                 view->state == ui::StepState::Waiting);
    if (v && view->finished && view->state == ui::StepState::Done)
        message_->SetLabel(u8(_("The new certificate is installed on the token.")));
    Layout();
    GetSizer()->SetSizeHints(this);
}

}  // namespace certagent::gui
