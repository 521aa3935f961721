#include "certagent/core/ui/renewal_view.hpp"
#include "certagent/core/json_text.hpp"

#include <algorithm>

#include "certagent/core/events.hpp"
#include "certagent/core/i18n.hpp"

namespace certagent::ui {
namespace {

using json = nlohmann::json;

// The renewal's state (running, waiting, needs_user, done, failed, cancelled) as the wizard
// shows its current step: a question waiting for the person is "waiting", anything else the
// person must fix is "failed".
StepState parseState(const std::string& s, bool prompt) {
    if (s == "running") return StepState::Running;
    if (s == "waiting") return StepState::Waiting;
    if (s == "needs_user") return prompt ? StepState::Waiting : StepState::Failed;
    if (s == "done") return StepState::Done;
    if (s == "failed" || s == "cancelled") return StepState::Failed;
    return StepState::Pending;
}

RenewalView freshView(const std::string& id) {
    RenewalView v;
    v.renewalId = id;
    for (const auto& s : renewalStepIds()) v.steps.push_back({s, renewalStepTitle(s)});
    return v;
}

}  // namespace

const char* stepStateName(StepState state) noexcept {
    switch (state) {
        case StepState::Pending: return "pending";
        case StepState::Running: return "running";
        case StepState::Waiting: return "waiting";
        case StepState::Done: return "done";
        case StepState::Failed: return "failed";
    }
    return "pending";
}

std::string stepStateText(StepState state) {
    switch (state) {
        case StepState::Pending: return _("not started");
        case StepState::Running: return _("in progress");
        case StepState::Waiting: return _("waiting");
        case StepState::Done: return _("done");
        case StepState::Failed: return _("failed");
    }
    return {};
}

const std::vector<std::string>& renewalStepIds() {
    static const std::vector<std::string> ids = {"identity", "product",    "declaration",
                                                 "submit",   "payment",    "validation",
                                                 "install"};
    return ids;
}

std::string renewalStepTitle(const std::string& id) {
    // The portal's own words where the user guide has them (seeds/renewal-flow.en.md).
    if (id == "identity") return _("Upload the identity card (PDF)");
    if (id == "product") return _("Choose the period: 1, 2 or 3 years");
    if (id == "declaration") return _("Sign the declaration");
    if (id == "submit") return _("Send the renewal request");
    if (id == "payment") return _("Pay by card");
    if (id == "validation") return _("Validation by the certification authority");
    if (id == "install") return _("Generate and install the certificate");
    return id;
}

std::string nextStepsAfterFailure(const std::string& step, const std::string& code) {
    if (code == "TokenRemoved" || code == "token_removed")
        return _("Plug the token back in, then choose Retry. Nothing was lost.");
    if (code == "PinLocked" || code == "pin_locked")
        return _("The PIN is locked. Unlock it with the PUK in the token vendor's utility, "
                 "then choose Retry.");
    if (code == "Network" || code == "network")
        return _("The renewal service cannot be reached. Check the Internet connection; "
                 "certagent retries by itself, or choose Retry.");
    if (step == "identity")
        return _("Scan the identity card again at 300 dpi or more, save it as PDF and choose it "
                 "again.");
    if (step == "declaration")
        return _("Check that the token is plugged in and the PIN is right, then choose Retry.");
    if (step == "payment")
        return _("The payment did not go through. Open the payment page again; you will not be "
                 "charged twice.");
    if (step == "validation")
        return _("The certification authority rejected the request. Read its reason above and "
                 "contact it before starting a new request.");
    if (step == "install")
        return _("Keep the token plugged in and choose Retry: your current certificate stays "
                 "on the token until the new one is installed.");
    return _("Choose Retry. If it fails again, open the log folder from the tray menu and "
             "send the log to your certification authority's support.");
}

std::optional<std::string> RenewalTracker::apply(const json& event) {
    if (jsonText(event, "type") != events::kRenewalProgress) return std::nullopt;
    auto id = jsonText(event, "renewal_id");
    if (id.empty()) return std::nullopt;
    std::lock_guard lock(mutex_);
    auto it = renewals_.find(id);
    if (it == renewals_.end()) {
        it = renewals_.emplace(id, freshView(id)).first;
        order_.push_back(id);
    }
    auto& v = it->second;
    if (auto t = jsonText(event, "token"); !t.empty()) v.token = t;
    if (auto c = jsonText(event, "cert"); !c.empty()) v.cert = c;
    // The engine's steps and the backend's phases are finer; the event names the wizard's
    // group ("stage").
    auto stepId = jsonText(event, "stage");
    if (stepId.empty()) stepId = jsonText(event, "step");
    auto state = parseState(jsonText(event, "state"), !jsonText(event, "prompt").empty());
    v.message = jsonText(event, "message");
    if (auto d = jsonText(event, "declaration"); !d.empty()) v.declaration = d;
    if (auto p = jsonText(event, "payment_url"); !p.empty()) v.paymentUrl = p;
    // Any later progress means it runs again.
    auto flag = event.find("interrupted");
    v.interrupted = flag != event.end() && flag->is_boolean() && flag->get<bool>();
    v.next = v.interrupted ? jsonText(event, "next") : std::string();
    if (event.contains("old_certificate")) v.oldCertificate = jsonText(event, "old_certificate");
    v.code = jsonText(event, "code");
    if (stepId.empty()) return id;

    auto step = std::find_if(v.steps.begin(), v.steps.end(),
                             [&](const RenewalStep& s) { return s.id == stepId; });
    if (step == v.steps.end()) {
        // A step this GUI does not know yet: shown with the engine's name, not dropped.
        v.steps.push_back({stepId, renewalStepTitle(stepId)});
        step = v.steps.end() - 1;
    }
    // Reaching a step means every step before it is done (the engine resumes from its journal
    // and may not repeat the earlier events).
    for (auto s = v.steps.begin(); s != step; ++s)
        if (s->state != StepState::Done) {
            s->state = StepState::Done;
            s->progress.reset();
        }
    step->state = state;
    step->message = v.message;
    if (auto p = event.find("progress"); p != event.end() && p->is_number())
        step->progress = std::clamp(p->get<double>(), 0.0, 1.0);
    else if (state == StepState::Done)
        step->progress = 1.0;
    v.currentStep = stepId;
    v.state = state;
    v.nextSteps = state == StepState::Failed
                      ? nextStepsAfterFailure(stepId, jsonText(event, "code"))
                      : std::string();
    bool last = stepId == v.steps.back().id || stepId == "install";
    v.finished = (last && state == StepState::Done) ||
                 (state == StepState::Failed && event.value("final", false));
    return id;
}

bool offersOldCertificateRemoval(const RenewalView& view) {
    return view.finished && view.state == StepState::Done &&
           (view.oldCertificate == "offered" || view.oldCertificate == "removing");
}

std::string oldCertificateText(const RenewalView& view) {
    if (!view.finished || view.state != StepState::Done) return {};
    if (view.oldCertificate == "offered")
        return _(
            "The old certificate and its key are still on the token. You no longer need "
            "them to sign; remove them to make room, or keep them.");
    if (view.oldCertificate == "removing")
        return _(
            "Removing the old certificate was interrupted. Finish it: the new certificate "
            "stays on the token.");
    if (view.oldCertificate == "kept") return _("The old certificate stays on the token.");
    if (view.oldCertificate == "removed")
        return _("The old certificate and its key were removed from the token.");
    return {};
}

std::vector<RenewalView> RenewalTracker::all() const {
    std::lock_guard lock(mutex_);
    std::vector<RenewalView> out;
    for (const auto& id : order_) out.push_back(renewals_.at(id));
    return out;
}

std::optional<RenewalView> RenewalTracker::find(const std::string& renewalId) const {
    std::lock_guard lock(mutex_);
    auto it = renewals_.find(renewalId);
    if (it == renewals_.end()) return std::nullopt;
    return it->second;
}

std::optional<RenewalView> RenewalTracker::findFor(const std::string& token,
                                                   const std::string& cert) const {
    std::lock_guard lock(mutex_);
    for (auto it = order_.rbegin(); it != order_.rend(); ++it) {
        const auto& v = renewals_.at(*it);
        if (v.token == token && v.cert == cert) return v;
    }
    return std::nullopt;
}

bool RenewalTracker::anyActive() const {
    std::lock_guard lock(mutex_);
    for (const auto& [id, v] : renewals_)
        if (!v.finished && v.state == StepState::Running) return true;
    return false;
}

}  // namespace certagent::ui
