#include "wx_notifier.hpp"

#include <wx/notifmsg.h>
#include <wx/thread.h>

#include <chrono>
#include <future>

#include "certagent/core/json_text.hpp"
#include "certagent/core/log.hpp"
#include "tray_app.hpp"

namespace certagent::gui {
namespace {

using json = nlohmann::json;

// Keeps itself alive until the desktop says it is gone, then routes the user's choice.
class Notification : public wxNotificationMessage {
public:
    Notification(TrayApp& app, json n) : app_(app), n_(std::move(n)) {
        SetTitle(wxString::FromUTF8(jsonText(n_, "title")));
        SetMessage(wxString::FromUTF8(jsonText(n_, "body")));
        auto urgency = jsonText(n_, "urgency");
        SetFlags(urgency == "critical" ? wxICON_ERROR
                 : urgency == "low"    ? wxICON_INFORMATION
                                       : wxICON_WARNING);
        if (auto a = n_.find("actions"); a != n_.end() && a->is_array()) {
            for (size_t i = 0; i < a->size(); ++i) {
                const auto& act = (*a)[i];
                if (!act.is_object()) continue;
                // Ids from 1: the GTK backend ignores an action with id 0.
                AddAction(static_cast<wxWindowID>(kFirstAction + i),
                          wxString::FromUTF8(jsonText(act, "label")));
            }
        }
        Bind(wxEVT_NOTIFICATION_MESSAGE_ACTION, [this](wxCommandEvent& e) {
            if (disposed_) return;
            size_t i = static_cast<size_t>(e.GetId() - kFirstAction);
            const auto& acts = n_["actions"];
            if (acts.is_array() && i < acts.size()) app_.onNotificationChoice(n_, acts[i]);
            dispose();
        });
        // Without action buttons a click means "take me there" (the first action's target).
        Bind(wxEVT_NOTIFICATION_MESSAGE_CLICK, [this](wxCommandEvent&) {
            if (disposed_) return;
            app_.onNotificationChoice(n_, json{{"action", "open"}});
            dispose();
        });
        Bind(wxEVT_NOTIFICATION_MESSAGE_DISMISSED, [this](wxCommandEvent&) { dispose(); });
    }

private:
    static constexpr int kFirstAction = 1000;
    // Runs for the action and again for the "closed" signal the desktop sends after it: only
    // the first schedules the deletion, and later signals find no handler.
    void dispose() {
        if (disposed_) return;
        disposed_ = true;
        app_.CallAfter([this] { delete this; });
    }
    TrayApp& app_;
    json n_;
    bool disposed_ = false;
};

}  // namespace

bool WxNotifier::show(const json& notification) {
    auto* n = new Notification(app_, notification);
    // Reminders stay until the user acts; other notifications go after the desktop's timeout.
    int timeout = notification.contains("actions") ? wxNotificationMessage::Timeout_Never
                                                   : wxNotificationMessage::Timeout_Auto;
    if (!n->Show(timeout)) {
        delete n;
        log::warn("gui", "the desktop did not show the notification (no notification service?)");
        return false;
    }
    return true;
}

bool WxNotifier::notify(const json& notification) {
    if (wxThread::IsMain()) return show(notification);
    auto done = std::make_shared<std::promise<bool>>();
    auto result = done->get_future();
    app_.CallAfter([this, notification, done] { done->set_value(show(notification)); });
    // The main loop may be busy with a modal dialog; the notification still goes out later.
    if (result.wait_for(std::chrono::seconds(5)) != std::future_status::ready) return true;
    return result.get();
}

}  // namespace certagent::gui
