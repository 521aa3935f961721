#pragma once
// The rules of the PIN dialog: lengths from the token and its plugin's profile, warnings from
// the token's PIN flags, and the optional per-session cache (only when ui.pin_cache is on).
// The dialog is never pre-filled; the cache answers instead of the dialog, not into it.
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "certagent/core/secret.hpp"
#include "certagent/core/token/token_profile.hpp"
#include "certagent/core/token/token_service.hpp"

namespace certagent::ui {

struct PinPolicy {
    std::string tokenSerial;
    std::string tokenLabel;
    unsigned minLength = 0;  // 0: no rule
    unsigned maxLength = 0;  // 0: no rule
    token::PinState state = token::PinState::Ok;
    std::optional<int> triesLeft;    // from the token's flags
    std::optional<int> profileTries;  // how many tries the token allows (plugin profile)
    bool pinPad = false;              // the token has its own PIN pad: no dialog at all
};

// Lengths: the token's own range when its module reports one, else the plugin profile's.
PinPolicy pinPolicy(const token::PinRequest& request, const token::TokenProfile* profile);

enum class PinProblem { None, Empty, TooShort, TooLong, NeedsConfirmation, Locked };
// finalTryConfirmed: the user ticked "I understand a wrong PIN locks the token".
PinProblem checkPin(const PinPolicy& policy, std::string_view pin, bool finalTryConfirmed);

// Translated texts of the dialog.
std::string pinPrompt(const PinPolicy& policy);      // "Enter the PIN of token „X”"
std::string pinLengthHint(const PinPolicy& policy);  // "" when there is no rule
std::string pinWarning(const PinPolicy& policy);     // "" when there is nothing to warn about
std::string pinProblemText(const PinPolicy& policy, PinProblem problem);
// The dialog must ask for an explicit confirmation before the last try.
bool needsFinalTryConfirmation(const PinPolicy& policy);

// PINs kept for the rest of the session, per token serial, only when enabled. Copies are
// SecretStrings; everything is wiped on forget()/clear() and destruction.
class PinCache {
public:
    explicit PinCache(bool enabled) : enabled_(enabled) {}
    bool enabled() const { return enabled_; }
    void setEnabled(bool enabled);  // turning it off wipes what it holds
    std::optional<SecretString> get(const std::string& serial) const;
    void put(const std::string& serial, const SecretString& pin);
    void forget(const std::string& serial);
    void clear();

private:
    mutable std::mutex mutex_;
    bool enabled_;
    std::map<std::string, SecretString> pins_;
};

// What the GUI provides: shows the dialog for this policy, returns the PIN or nullopt (cancel).
using PinAsker = std::function<std::optional<SecretString>(const PinPolicy&)>;
using ProfileLookup = std::function<const token::TokenProfile*(const token::TokenInfo&)>;

// A PinCallback for TokenSession::login: the cache first (never when the token already saw a
// wrong PIN), else the dialog; a PIN the dialog returned is cached when the cache is on. Call
// cache.forget(serial) when login throws PinIncorrect so a wrong cached PIN is not reused.
token::PinCallback makePinCallback(PinCache& cache, PinAsker ask, ProfileLookup profiles = {});

}  // namespace certagent::ui
