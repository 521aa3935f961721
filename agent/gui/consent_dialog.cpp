#include "consent_dialog.hpp"

#include <wx/button.h>
#include <wx/dialog.h>
#include <wx/sizer.h>
#include <wx/stattext.h>
#include <wx/timer.h>
#include <wx/utils.h>

#include <chrono>
#include <functional>
#include <future>

#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"
#include "certagent/core/ui/consent_view.hpp"
#include "tray_app.hpp"
#include "wx_text.hpp"

namespace certagent::gui {
namespace {

class ConsentDialog : public wxDialog {
public:
    // `cancelled`: the page has gone (the server says so); the dialog then closes as refused.
    ConsentDialog(const ui::ConsentView& view, const std::filesystem::path& document,
                  std::function<bool()> cancelled)
        : wxDialog(nullptr, wxID_ANY, u8(view.title), wxDefaultPosition, wxDefaultSize,
                   wxDEFAULT_DIALOG_STYLE | wxSTAY_ON_TOP),
          left_(view.timeoutSeconds) {
        const int gap = FromDIP(10);
        auto* sizer = new wxBoxSizer(wxVERTICAL);
        sizer->Add(new wxStaticText(this, wxID_ANY, u8(view.heading)), 0, wxALL, gap);
        auto* origin = new wxStaticText(this, wxID_ANY, u8(view.origin));
        origin->SetFont(origin->GetFont().Bold().Larger());
        sizer->Add(origin, 0, wxLEFT | wxRIGHT | wxBOTTOM, gap);
        auto* grid = new wxFlexGridSizer(2, FromDIP(4), FromDIP(12));
        for (const auto& [label, value] : view.rows) {
            auto* l = new wxStaticText(this, wxID_ANY, u8(label));
            l->SetFont(l->GetFont().Bold());
            grid->Add(l);
            auto* v = new wxStaticText(this, wxID_ANY, u8(value));
            v->Wrap(FromDIP(420));
            grid->Add(v);
        }
        sizer->Add(grid, 0, wxLEFT | wxRIGHT, gap);
        if (!view.warning.empty()) {
            auto* w = new wxStaticText(this, wxID_ANY, u8(view.warning));
            w->SetForegroundColour(wxColour(180, 30, 30));
            w->Wrap(FromDIP(480));
            sizer->Add(w, 0, wxALL, gap);
        }
        countdown_ = new wxStaticText(this, wxID_ANY, u8(ui::consentCountdownText(left_)));
        sizer->Add(countdown_, 0, wxALL, gap);
        auto* buttons = new wxBoxSizer(wxHORIZONTAL);
        if (view.canOpenDocument) {
            auto* open = new wxButton(this, wxID_ANY, u8(view.openLabel));
            open->Bind(wxEVT_BUTTON, [document](wxCommandEvent&) {
                if (!wxLaunchDefaultApplication(u8(document.string())))
                    log::warn("gui", "no program opens {}", document.string());
            });
            buttons->Add(open, 0, wxRIGHT, gap);
        }
        buttons->AddStretchSpacer();
        auto* refuse = new wxButton(this, wxID_CANCEL, u8(view.refuseLabel));
        auto* allow = new wxButton(this, wxID_OK, u8(view.allowLabel));
        buttons->Add(refuse, 0, wxRIGHT, gap);
        buttons->Add(allow);
        sizer->Add(buttons, 0, wxEXPAND | wxALL, gap);
        SetSizerAndFit(sizer);
        // Enter and Escape both refuse: allowing takes a deliberate click (or Tab, Space).
        refuse->SetDefault();
        refuse->SetFocus();
        SetEscapeId(wxID_CANCEL);
        timer_.Bind(wxEVT_TIMER, [this, cancelled](wxTimerEvent&) {
            ticks_ += 1;
            if (cancelled && cancelled()) {
                EndModal(wxID_CANCEL);
                return;
            }
            if (ticks_ % 4) return;
            if (--left_ <= 0) {
                EndModal(wxID_CANCEL);
                return;
            }
            countdown_->SetLabel(u8(ui::consentCountdownText(left_)));
        });
        timer_.Start(250);
        CentreOnScreen();
    }

private:
    int left_;
    int ticks_ = 0;
    wxStaticText* countdown_ = nullptr;
    wxTimer timer_;
};

class DialogConsent final : public server::Consent {
public:
    explicit DialogConsent(TrayApp& app) : app_(app) {}

    std::string name() const override { return "ask"; }

    server::ConsentAnswer ask(const server::ConsentRequest& request) override {
        if (app_.exiting()) return {};
        auto view = ui::consentView(request, std::chrono::system_clock::now());
        auto done = std::make_shared<std::promise<server::ConsentAnswer>>();
        auto result = done->get_future();
        // A copy: if the app quits first, the queued dialog may outlive this call.
        auto r = std::make_shared<server::ConsentRequest>(request);
        app_.CallAfter([this, view, r, done] {
            server::ConsentAnswer answer;
            if (r->cancelled && r->cancelled()) {  // the page left while the dialog waited
                done->set_value(std::move(answer));
                return;
            }
            try {
                ConsentDialog dialog(view, r->document_file, r->cancelled);
                dialog.Raise();
                if (dialog.ShowModal() == wxID_OK) {
                    answer.granted = true;
                    // A PIN-pad token asks by itself; otherwise the tray's PIN dialog does.
                    if (!r->token.protectedAuthenticationPath) {
                        auto pin = app_.askPin(app_.pinPolicyFor(r->token));
                        if (!pin) answer.granted = false;
                        else answer.pin = std::move(*pin);
                    }
                }
            } catch (const std::exception& e) {
                log::error("gui", "consent dialog failed: {}", e.what());
                answer = {};
            }
            log::info("gui", "signing request from {}: {}", r->origin,
                      answer.granted ? "allowed" : "refused");
            done->set_value(std::move(answer));
        });
        // The dialog refuses by itself after its countdown; the PIN may take a while longer.
        while (result.wait_for(std::chrono::milliseconds(200)) != std::future_status::ready)
            if (app_.exiting()) {
                // The main loop is gone; the queued dialog will never answer.
                return {};
            }
        return result.get();
    }

private:
    TrayApp& app_;
};

}  // namespace

std::shared_ptr<server::Consent> makeConsentDialog(TrayApp& app) {
    return std::make_shared<DialogConsent>(app);
}

}  // namespace certagent::gui
