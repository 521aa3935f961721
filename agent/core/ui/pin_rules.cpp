#include "certagent/core/ui/pin_rules.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "certagent/core/i18n.hpp"

namespace certagent::ui {
namespace {

// UTF-8 code points, since a PIN length rule counts characters, not bytes.
size_t codePoints(std::string_view s) {
    return static_cast<size_t>(
        std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

}  // namespace

PinPolicy pinPolicy(const token::PinRequest& request, const token::TokenProfile* profile) {
    PinPolicy p;
    const auto& t = request.token;
    p.tokenSerial = t.serial;
    p.tokenLabel = t.label.empty() ? t.serial : t.label;
    // Modules commonly report 255 (or more) for "no limit"; only a smaller maximum is a rule.
    unsigned tokMax = t.maxPinLength > 0 && t.maxPinLength < 255
                          ? static_cast<unsigned>(t.maxPinLength) : 0;
    unsigned tokMin = static_cast<unsigned>(std::min<unsigned long>(t.minPinLength, 255));
    p.minLength = tokMin;
    p.maxLength = tokMax;
    // The module's own range is what C_Login enforces, and it differs by module for the same
    // token (ePass2003: 8-255 through Feitian's libcastle, 4-16 through OpenSC), so a range
    // the module reports wins; the profile's range only stands in for a module that reports
    // none (0-0, or 0 and "no limit"). A dialog must never refuse a PIN the token accepts.
    const bool tokenHasRange = t.minPinLength > 0 || tokMax > 0;
    if (profile) {
        if (!tokenHasRange) {
            p.minLength = profile->minPinLength;
            p.maxLength = profile->maxPinLength;
        }
        p.profileTries = profile->pinTries;
    }
    if (p.maxLength && p.minLength > p.maxLength) p.minLength = p.maxLength;
    p.state = request.state;
    p.triesLeft = request.triesLeft;
    p.pinPad = t.protectedAuthenticationPath;
    return p;
}

bool needsFinalTryConfirmation(const PinPolicy& policy) {
    return policy.state == token::PinState::FinalTry ||
           (policy.triesLeft && *policy.triesLeft == 1);
}

PinProblem checkPin(const PinPolicy& policy, std::string_view pin, bool finalTryConfirmed) {
    if (policy.state == token::PinState::Locked) return PinProblem::Locked;
    if (pin.empty()) return PinProblem::Empty;
    auto n = codePoints(pin);
    if (policy.minLength && n < policy.minLength) return PinProblem::TooShort;
    if (policy.maxLength && n > policy.maxLength) return PinProblem::TooLong;
    if (needsFinalTryConfirmation(policy) && !finalTryConfirmed)
        return PinProblem::NeedsConfirmation;
    return PinProblem::None;
}

std::string pinPrompt(const PinPolicy& policy) {
    return fmt::format(fmt::runtime(_("Enter the PIN of token „{0}”.")), policy.tokenLabel);
}

std::string pinLengthHint(const PinPolicy& policy) {
    if (policy.minLength && policy.maxLength)
        return fmt::format(fmt::runtime(_("The PIN has {0} to {1} characters.")),
                           policy.minLength, policy.maxLength);
    if (policy.minLength)
        return fmt::format(fmt::runtime(_("The PIN has at least {0} characters.")),
                           policy.minLength);
    if (policy.maxLength)
        return fmt::format(fmt::runtime(_("The PIN has at most {0} characters.")),
                           policy.maxLength);
    return {};
}

std::string pinWarning(const PinPolicy& policy) {
    switch (policy.state) {
        case token::PinState::Locked:
            return _("The PIN is locked. Unlock it with the PUK in the token vendor's utility, "
                     "or ask your certification authority.");
        case token::PinState::FinalTry:
            return _("Last try: one more wrong PIN locks the token.");
        case token::PinState::CountLow:
            if (policy.profileTries)
                return fmt::format(
                    fmt::runtime(_("A wrong PIN was entered before. This token locks after {0} "
                                   "wrong PINs in a row.")),
                    *policy.profileTries);
            return _("A wrong PIN was entered before. Type carefully: the token locks after a "
                     "few wrong PINs in a row.");
        case token::PinState::NotInitialized:
            return _("This token has no user PIN yet. Set one with the token vendor's utility.");
        case token::PinState::ToBeChanged:
            return _("The token asks for its PIN to be changed. Change it with the token "
                     "vendor's utility.");
        case token::PinState::Ok: break;
    }
    if (policy.triesLeft && *policy.triesLeft == 1)
        return _("Last try: one more wrong PIN locks the token.");
    return {};
}

std::string pinProblemText(const PinPolicy& policy, PinProblem problem) {
    switch (problem) {
        case PinProblem::None: return {};
        case PinProblem::Empty: return _("Type the PIN.");
        case PinProblem::TooShort:
        case PinProblem::TooLong: return pinLengthHint(policy);
        case PinProblem::NeedsConfirmation:
            return _("Confirm that you want to use the last try.");
        case PinProblem::Locked: return pinWarning(policy);
    }
    return {};
}

void PinCache::setEnabled(bool enabled) {
    std::lock_guard lock(mutex_);
    enabled_ = enabled;
    if (!enabled) pins_.clear();
}

std::optional<SecretString> PinCache::get(const std::string& serial) const {
    std::lock_guard lock(mutex_);
    if (!enabled_) return std::nullopt;
    auto it = pins_.find(serial);
    if (it == pins_.end()) return std::nullopt;
    return SecretString(it->second.reveal());
}

void PinCache::put(const std::string& serial, const SecretString& pin) {
    std::lock_guard lock(mutex_);
    if (!enabled_ || pin.empty()) return;
    pins_.insert_or_assign(serial, SecretString(pin.reveal()));
}

void PinCache::forget(const std::string& serial) {
    std::lock_guard lock(mutex_);
    pins_.erase(serial);  // SecretString wipes itself
}

void PinCache::clear() {
    std::lock_guard lock(mutex_);
    pins_.clear();
}

token::PinCallback makePinCallback(PinCache& cache, PinAsker ask, ProfileLookup profiles) {
    return [&cache, ask = std::move(ask),
            profiles = std::move(profiles)](const token::PinRequest& req)
               -> std::optional<SecretString> {
        // After a wrong PIN the cached one is suspect, and the user must see the warning.
        if (req.state == token::PinState::Ok) {
            if (auto cached = cache.get(req.token.serial)) return cached;
        } else {
            cache.forget(req.token.serial);
        }
        auto policy = pinPolicy(req, profiles ? profiles(req.token) : nullptr);
        auto pin = ask(policy);
        if (pin) cache.put(req.token.serial, *pin);
        return pin;
    };
}

}  // namespace certagent::ui
