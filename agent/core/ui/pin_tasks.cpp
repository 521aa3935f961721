#include "certagent/core/ui/pin_tasks.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "certagent/core/i18n.hpp"

namespace certagent::ui {
namespace {

size_t codePoints(std::string_view s) {
    return static_cast<size_t>(
        std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

const token::PinFlags& spentFlags(const PinTaskPolicy& p) {
    return p.task == PinTask::Change ? p.user : p.so;
}

}  // namespace

const char* pinTaskName(PinTask task) noexcept {
    return task == PinTask::Change ? "change" : "unblock";
}

std::string unblockPinName(const token::TokenProfile* profile) {
    if (profile && !profile->unblockPinName.empty()) return profile->unblockPinName;
    return _("PUK (SO PIN)");
}

PinTaskPolicy pinTaskPolicy(PinTask task, const token::TokenInfo& t,
                            const token::TokenProfile* profile) {
    PinTaskPolicy p;
    p.task = task;
    p.tokenSerial = t.serial;
    p.tokenLabel = t.label.empty() ? t.serial : t.label;
    token::PinRequest request;
    request.token = t;
    request.state = t.userPin.state();
    request.triesLeft = t.userPin.triesLeft();
    p.newPin = pinPolicy(request, profile);
    p.soName = unblockPinName(profile);
    p.user = t.userPin;
    p.so = t.soPin;
    p.pinPad = t.protectedAuthenticationPath;
    return p;
}

std::string pinTaskBlocker(const PinTaskPolicy& p) {
    if (p.task == PinTask::Change) {
        if (p.user.locked)
            return fmt::format(fmt::runtime(_("The PIN is blocked, so it cannot be changed. "
                                              "Unblock it with the {0}.")),
                               p.soName);
        if (!p.user.initialized)
            return fmt::format(fmt::runtime(_("The token has no PIN yet. Set one with the {0} "
                                              "(unblock the PIN).")),
                               p.soName);
        return {};
    }
    if (p.so.locked)
        return fmt::format(fmt::runtime(_("The {0} is blocked too: only the issuer of the token "
                                          "(your certification authority or the vendor) can "
                                          "reset it.")),
                           p.soName);
    return {};
}

bool pinTaskNeedsFinalTryConfirmation(const PinTaskPolicy& p) {
    return !p.pinPad && spentFlags(p).finalTry && !spentFlags(p).locked;
}

PinTaskProblem checkPinTask(const PinTaskPolicy& p, std::string_view secret,
                            std::string_view newPin, std::string_view repeat,
                            bool finalTryConfirmed) {
    if (!pinTaskBlocker(p).empty()) return PinTaskProblem::Blocked;
    if (p.pinPad) return PinTaskProblem::None;  // the pad asks for everything
    if (secret.empty()) return PinTaskProblem::SecretEmpty;
    if (newPin.empty()) return PinTaskProblem::NewPinEmpty;
    const auto n = codePoints(newPin);
    if (p.newPin.minLength && n < p.newPin.minLength) return PinTaskProblem::NewPinTooShort;
    if (p.newPin.maxLength && n > p.newPin.maxLength) return PinTaskProblem::NewPinTooLong;
    if (newPin != repeat) return PinTaskProblem::Mismatch;
    if (p.task == PinTask::Change && newPin == secret) return PinTaskProblem::SameAsCurrent;
    if (pinTaskNeedsFinalTryConfirmation(p) && !finalTryConfirmed)
        return PinTaskProblem::NeedsConfirmation;
    return PinTaskProblem::None;
}

std::string pinTaskTitle(const PinTaskPolicy& p) {
    if (p.task == PinTask::Change)
        return fmt::format(fmt::runtime(_("Change the PIN of token „{0}”")), p.tokenLabel);
    return fmt::format(fmt::runtime(_("Unblock the PIN of token „{0}” with the {1}")),
                       p.tokenLabel, p.soName);
}

std::string pinTaskSecretLabel(const PinTaskPolicy& p) {
    return p.task == PinTask::Change ? std::string(_("Current PIN")) : p.soName;
}

std::string pinTaskWarning(const PinTaskPolicy& p) {
    if (auto blocked = pinTaskBlocker(p); !blocked.empty()) return blocked;
    const auto& f = spentFlags(p);
    const std::string what = p.task == PinTask::Change ? std::string(_("PIN")) : p.soName;
    if (f.finalTry)
        return fmt::format(fmt::runtime(_("Last try: one more wrong {0} blocks it.")), what);
    if (f.countLow)
        return fmt::format(fmt::runtime(_("A wrong {0} was entered before. Type carefully: the "
                                          "token blocks it after a few wrong tries in a row.")),
                           what);
    if (p.task == PinTask::Unblock)
        return fmt::format(fmt::runtime(_("The {0} was given to you with the token (often in a "
                                          "sealed envelope or by your certification authority). "
                                          "A wrong {0} also counts as a try.")),
                           p.soName);
    return {};
}

std::string pinTaskProblemText(const PinTaskPolicy& p, PinTaskProblem problem) {
    switch (problem) {
        case PinTaskProblem::None: return {};
        case PinTaskProblem::Blocked: return pinTaskBlocker(p);
        case PinTaskProblem::SecretEmpty:
            return fmt::format(fmt::runtime(_("Type the {0}.")), pinTaskSecretLabel(p));
        case PinTaskProblem::NewPinEmpty: return _("Type the new PIN.");
        case PinTaskProblem::NewPinTooShort:
        case PinTaskProblem::NewPinTooLong:
            return fmt::format(fmt::runtime(_("The new PIN breaks the token's rules: {0}")),
                               pinLengthHint(p.newPin));
        case PinTaskProblem::Mismatch: return _("The two new PINs differ.");
        case PinTaskProblem::SameAsCurrent: return _("The new PIN is the same as the current one.");
        case PinTaskProblem::NeedsConfirmation:
            return _("Confirm that you want to use the last try.");
    }
    return {};
}

std::string pinTaskDoneText(const PinTaskPolicy& p) {
    if (p.task == PinTask::Change)
        return fmt::format(fmt::runtime(_("The PIN of token „{0}” was changed. Use the new PIN "
                                          "from now on.")),
                           p.tokenLabel);
    return fmt::format(fmt::runtime(_("The PIN of token „{0}” was unblocked and set to the new "
                                      "PIN.")),
                       p.tokenLabel);
}

PinAdvice pinAdvice(const token::PinFlags& user, const token::PinFlags& so,
                    const std::string& soName, std::optional<int> profileTries) {
    PinAdvice a;
    if (user.locked && so.locked) {
        a.state = fmt::format(fmt::runtime(_("PIN and {0} blocked")), soName);
        a.next = _("Only the issuer of the token (your certification authority or the vendor) "
                   "can reset it.");
    } else if (user.locked) {
        a.state = _("PIN blocked");
        a.next = fmt::format(fmt::runtime(_("Unblock it with the {0}.")), soName);
    } else if (!user.initialized) {
        a.state = _("No PIN set");
        a.next = fmt::format(fmt::runtime(_("Set one with the {0} (unblock the PIN).")), soName);
    } else if (user.finalTry) {
        a.state = _("PIN: one try left");
        a.next = fmt::format(fmt::runtime(_("One more wrong PIN blocks it; if you are not sure of "
                                            "the PIN, unblock it with the {0} instead.")),
                             soName);
    } else if (user.countLow) {
        a.state = _("PIN: a wrong PIN was entered");
        a.next = profileTries
                     ? fmt::format(fmt::runtime(_("Type it carefully: the token blocks it after "
                                                  "{0} wrong PINs in a row.")),
                                   *profileTries)
                     : std::string(_("Type it carefully: the token blocks it after a few wrong "
                                     "PINs in a row."));
    } else if (user.toBeChanged) {
        a.state = _("PIN must be changed");
        a.next = _("Change the PIN before you use the token.");
    } else if (so.locked) {
        a.state = fmt::format(fmt::runtime(_("{0} blocked")), soName);
        a.next = _("The PIN still works; if it is ever blocked, only the issuer of the token can "
                   "reset it.");
    } else if (so.finalTry) {
        a.state = fmt::format(fmt::runtime(_("{0}: one try left")), soName);
        a.next = fmt::format(fmt::runtime(_("One more wrong {0} blocks it for good.")), soName);
    } else if (so.countLow) {
        a.state = fmt::format(fmt::runtime(_("{0}: a wrong one was entered")), soName);
        a.next = fmt::format(fmt::runtime(_("Type the {0} carefully next time.")), soName);
    } else if (so.toBeChanged) {
        a.state = fmt::format(fmt::runtime(_("{0} must be changed")), soName);
        a.next = _("Change it with the token vendor's utility.");
    }
    return a;
}

PinAdvice pinAdvice(const token::TokenInfo& token, const token::TokenProfile* profile) {
    return pinAdvice(token.userPin, token.soPin, unblockPinName(profile),
                     profile ? profile->pinTries : std::nullopt);
}

}  // namespace certagent::ui
