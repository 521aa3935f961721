#pragma once
// PIN change and PIN unblock as the tray's dialog and the CLI present them: which secret is
// asked for and what the vendor calls it, the new PIN's rules (token and plugin profile), what
// stops the task before any try is spent, and the PIN flags read as "what to do next".
#include <string>
#include <string_view>

#include "certagent/core/token/token_profile.hpp"
#include "certagent/core/token/types.hpp"
#include "certagent/core/ui/pin_rules.hpp"

namespace certagent::ui {

enum class PinTask { Change, Unblock };
const char* pinTaskName(PinTask task) noexcept;  // "change" | "unblock"

// What the token's vendor calls the secret that unblocks the user PIN (the plugin profile's
// "pin.unblock_name", e.g. "SO PIN"), else "PUK (SO PIN)".
std::string unblockPinName(const token::TokenProfile* profile);

struct PinTaskPolicy {
    PinTask task = PinTask::Change;
    std::string tokenSerial;
    std::string tokenLabel;
    PinPolicy newPin;   // length rules of the user PIN (the current one and the new one)
    std::string soName;  // unblockPinName()
    token::PinFlags user;
    token::PinFlags so;
    bool pinPad = false;  // the token asks on its own PIN pad: no secrets are typed here
};
PinTaskPolicy pinTaskPolicy(PinTask task, const token::TokenInfo& token,
                            const token::TokenProfile* profile);

// Why the task cannot start, decided from the flags alone so no try is spent ("" when it can).
std::string pinTaskBlocker(const PinTaskPolicy& policy);
// The secret this task verifies (the current PIN, or the SO PIN) is on its last try: the user
// must confirm before it is used.
bool pinTaskNeedsFinalTryConfirmation(const PinTaskPolicy& policy);

enum class PinTaskProblem {
    None,
    Blocked,          // pinTaskBlocker() says why
    SecretEmpty,      // the current PIN / SO PIN is not typed
    NewPinEmpty,
    NewPinTooShort,
    NewPinTooLong,
    Mismatch,         // the new PIN and its repetition differ
    SameAsCurrent,    // change only
    NeedsConfirmation,
};
// `secret`: the current PIN (change) or the SO PIN (unblock). Checked before the token is
// touched, so a new PIN that breaks the rules never costs a try.
PinTaskProblem checkPinTask(const PinTaskPolicy& policy, std::string_view secret,
                            std::string_view newPin, std::string_view repeat,
                            bool finalTryConfirmed);

// Translated texts.
std::string pinTaskTitle(const PinTaskPolicy& policy);        // "Change the PIN of token „X”"
std::string pinTaskSecretLabel(const PinTaskPolicy& policy);  // "Current PIN" / "SO PIN"
std::string pinTaskWarning(const PinTaskPolicy& policy);      // "" when nothing to warn about
std::string pinTaskProblemText(const PinTaskPolicy& policy, PinTaskProblem problem);
std::string pinTaskDoneText(const PinTaskPolicy& policy);     // "The PIN ... was changed."

// The PIN flags of a token as people read them: the state and what to do next. Both empty
// when the user PIN and the SO PIN are fine.
struct PinAdvice {
    std::string state;  // "PIN blocked", "PIN: one try left", ...
    std::string next;   // "Unblock it with the SO PIN.", ...
    bool empty() const noexcept { return state.empty(); }
};
PinAdvice pinAdvice(const token::TokenInfo& token, const token::TokenProfile* profile);
// The same from the flags alone (the tray keeps them in its TokenView).
PinAdvice pinAdvice(const token::PinFlags& user, const token::PinFlags& so,
                    const std::string& soName, std::optional<int> profileTries = {});

}  // namespace certagent::ui
