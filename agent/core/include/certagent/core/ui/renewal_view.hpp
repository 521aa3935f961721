#pragma once
// The renewal wizard's model: every renewal the agent reported through RenewalProgress events
// (events.hpp), folded into steps with their state. It lives in core, so the wizard window can
// be closed and reopened without losing anything.
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace certagent::ui {

enum class StepState { Pending, Running, Waiting, Done, Failed };
const char* stepStateName(StepState state) noexcept;
std::string stepStateText(StepState state);  // translated

struct RenewalStep {
    std::string id;     // "identity", "product", "declaration", "submit", "payment", ...
    std::string title;  // translated
    StepState state = StepState::Pending;
    std::optional<double> progress;  // 0..1
    std::string message;             // the engine's text for this step
};

struct RenewalView {
    std::string renewalId;
    std::string token;
    std::string cert;
    std::vector<RenewalStep> steps;
    std::string currentStep;
    StepState state = StepState::Pending;  // of the current step
    std::string message;
    std::string declaration;  // path or URL of the declaration to show before signing
    std::string paymentUrl;
    std::string nextSteps;  // translated advice when the current step failed
    bool finished = false;  // installed (done) or given up
    // Found unfinished when the agent started: nothing runs until the person continues it.
    bool interrupted = false;
    std::string next;  // what continuing does (translated, from the engine)
    // Once done: "offered" (the wizard offers to remove the old certificate and its key),
    // "kept", "removing" (interrupted: the wizard offers to finish), "removed"; else empty.
    std::string oldCertificate;
    std::string code;  // the engine's error code of the last event, if any
};

// What the wizard's last page says about the old certificate (translated; empty: nothing).
std::string oldCertificateText(const RenewalView& view);
// The wizard offers the choice (remove / keep) only then, and only on the person's click.
bool offersOldCertificateRemoval(const RenewalView& view);

// The steps of the renewal flow, in order (the portal's 4 steps plus payment, validation,
// generation and installation).
const std::vector<std::string>& renewalStepIds();
std::string renewalStepTitle(const std::string& id);
// What the user can do after `step` failed with `message`/`code`.
std::string nextStepsAfterFailure(const std::string& step, const std::string& code);

class RenewalTracker {
public:
    // Folds one RenewalProgress event in; other events are ignored. Returns the renewal's id.
    std::optional<std::string> apply(const nlohmann::json& event);
    std::vector<RenewalView> all() const;
    std::optional<RenewalView> find(const std::string& renewalId) const;
    // The newest renewal for a certificate, finished or not.
    std::optional<RenewalView> findFor(const std::string& token, const std::string& cert) const;
    bool anyActive() const;  // a step is running (the tray shows "working")

private:
    mutable std::mutex mutex_;
    std::map<std::string, RenewalView> renewals_;
    std::vector<std::string> order_;
};

}  // namespace certagent::ui
