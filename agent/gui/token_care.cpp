#include "token_care.hpp"
#include "wx_text.hpp"

#include <fmt/format.h>
#include <wx/msgdlg.h>

#include <future>

#include "certagent/core/browser/registration.hpp"
#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"
#include "certagent/core/paths.hpp"
#include "pin_task_dialog.hpp"
#include "tray_app.hpp"

namespace certagent::gui {

namespace {

std::string errorText(const std::exception& e) { return e.what(); }

// Runs `f` on the UI thread and waits for it; nullopt when the app quits first.
template <typename T, typename F>
std::optional<T> onUiThread(TrayApp& app, F f) {
    auto done = std::make_shared<std::promise<std::optional<T>>>();
    auto result = done->get_future();
    app.CallAfter([done, f = std::move(f)]() mutable { done->set_value(f()); });
    while (result.wait_for(std::chrono::milliseconds(200)) != std::future_status::ready)
        if (app.exiting()) return std::nullopt;
    return result.get();
}

void tell(TrayApp& app, std::string text, bool error, std::string title = {}) {
    if (app.exiting()) return;
    app.CallAfter([text = std::move(text), error, title = std::move(title)] {
        wxMessageBox(u8(text), u8(title.empty() ? std::string("certagent") : title),
                     wxOK | (error ? wxICON_ERROR : wxICON_INFORMATION));
    });
}

void busy(TrayApp&) {
    wxMessageBox(u8(_("Another operation is still running; try again when it has finished.")),
                 "certagent", wxOK | wxICON_INFORMATION);
}

}  // namespace

void runPinTask(TrayApp& app, const std::string& serial, ui::PinTask task) {
    bool started = app.startJob([&app, serial, task] {
        try {
            auto service = app.tokenService();
            auto session = service->open(serial);
            const auto* profile = app.profileOf(session->token());
            auto policy = ui::pinTaskPolicy(task, session->refresh(), profile);
            if (auto blocked = ui::pinTaskBlocker(policy); !blocked.empty()) {
                tell(app, blocked, true);
                return;
            }
            // Keep no session open while the user types (some tokens break other programs'
            // sessions meanwhile): the work opens a fresh one.
            session.reset();
            auto entered = onUiThread<PinTaskDialog::Entered>(
                app, [policy]() -> std::optional<PinTaskDialog::Entered> {
                    PinTaskDialog dialog(nullptr, policy);
                    if (dialog.ShowModal() != wxID_OK) return std::nullopt;
                    return dialog.take();
                });
            if (!entered) return;  // cancelled (or quitting)
            session = service->open(serial);
            // The flags may have changed while the dialog was open (another program's try).
            auto now = ui::pinTaskPolicy(task, session->refresh(), profile);
            if (auto blocked = ui::pinTaskBlocker(now); !blocked.empty()) {
                tell(app, blocked + " " + _("Nothing was sent to the token."), true);
                return;
            }
            if (ui::pinTaskNeedsFinalTryConfirmation(now) && !entered->finalTryConfirmed) {
                tell(app, _("The token now says this is the last try. Nothing was sent to the "
                            "token; open the dialog again to confirm."),
                     true);
                return;
            }
            if (task == ui::PinTask::Change)
                session->changePin(entered->secret, entered->newPin);
            else
                session->unblockPin(entered->secret, entered->newPin, now.soName);
            entered->secret.clear();
            entered->newPin.clear();
            app.pinCache().forget(serial);  // a remembered PIN is the old one now
            tell(app, ui::pinTaskDoneText(now), false);
        } catch (const std::exception& e) {
            app.pinCache().forget(serial);
            tell(app, errorText(e), true,
                 task == ui::PinTask::Change ? _("The PIN was not changed")
                                             : _("The PIN was not unblocked"));
        }
        if (!app.exiting()) app.CallAfter([&app] { app.refreshTokens(); });
    });
    if (!started) busy(app);
}

void runBrowserAction(TrayApp& app, const std::string& what) {
    bool started = app.startJob([&app, what] {
        try {
            auto& agent = app.agent();
            browser::Registration registration(agent.store(), browser::NssTools(),
                                               paths::homeDir());
            std::string text;
            if (what == "status") {
                auto service = app.tokenService();
                text = browser::statusText(registration.status(service.get(), {}));
            } else if (what == "unregister") {
                auto changes = registration.unregister();
                text = changes.empty() ? std::string(_("Nothing to undo: certagent has registered "
                                                       "nothing in the browsers."))
                                       : browser::changesText(changes);
            } else {
                auto service = app.tokenService();
                browser::RegisterOptions options;
                options.caCertificates = browser::readPemCertificates(
                    agent.config().getStrings("browser.ca_certificates"));
                text = browser::changesText(registration.registerTokens(*service, options)) + "\n" +
                       _("Restart the browser so it loads the token.");
            }
            tell(app, text, false, _("Log in to portals from the browser"));
        } catch (const std::exception& e) {
            log::warn("gui", "browser {}: {}", what, e.what());
            tell(app, errorText(e), true, _("Log in to portals from the browser"));
        }
    });
    if (!started) busy(app);
}

}  // namespace certagent::gui
