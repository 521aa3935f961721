#pragma once
// What the tray shows, decided without any GUI toolkit: a snapshot of tokens, certificates and
// renewals, and the icon state and tooltip derived from it. The GUI only draws the result.
#include <optional>
#include <string>
#include <vector>

#include "certagent/core/clock.hpp"
#include "certagent/core/token/types.hpp"
#include "certagent/core/ui/token_help.hpp"

namespace certagent::ui {

enum class TrayState { AllValid, ExpiringSoon, Expired, NoToken, Working };
// "valid" | "expiring" | "expired" | "no-token" | "working" (icon names, test dumps)
const char* trayStateName(TrayState state) noexcept;

struct CertView {
    std::string tokenSerial;
    std::string tokenLabel;
    std::string idHex;  // CKA_ID
    std::string label;  // CKA_LABEL
    std::string holder;  // common name, else the label
    std::string subject;
    std::string issuer;
    TimePoint notAfter{};
    long daysLeft = 0;
    token::CertStatus status = token::CertStatus::Valid;
    bool qualified = false;
    bool hasPrivateKey = false;
    std::string error;  // set when the object could not be parsed; the other fields are empty
    token::Bytes der;   // the certificate itself (details window, export)

    // Online renewal logs in with the certificate itself, so it must still be valid and its key
    // must be on the token.
    bool renewable() const noexcept;
};

struct TokenView {
    std::string serial;
    std::string label;
    std::string model;
    std::string plugin;
    token::PinState pin = token::PinState::Ok;
    token::PinFlags userPin;  // the flags behind `pin`, and the SO PIN's
    token::PinFlags soPin;
    bool pinPad = false;
    std::string soPinName;  // what the vendor calls the SO PIN (the GUI fills it from the profile)
    std::vector<CertView> certificates;
};

// A renewal that is not finished, as the tray lists it ("Cereri în așteptare").
struct PendingRenewal {
    std::string renewalId;
    std::string token;
    std::string cert;
    std::string holder;
    std::string stepTitle;  // translated
    std::string stateText;  // translated
    bool active = false;    // running now (the tray shows "working")
    bool failed = false;
};

// The local signing server as the tray shows it (app::ServerControl's status).
struct ServerView {
    bool known = false;  // false: the program offers no server control (no menu items)
    bool running = false;
    int port = 0;
    std::string error;  // why the last start failed
};

struct TraySnapshot {
    std::vector<TokenView> tokens;
    std::vector<PendingRenewal> renewals;
    bool signing = false;  // a PDF signature is being made
    ServerView server;
    std::vector<MissingDriverView> missingDrivers;  // plugged in, no token: the driver
    std::vector<VendorToolView> vendorTools;        // installed vendor utilities
};

// Builds the token part of a snapshot from what the token service returned.
std::vector<TokenView> tokenViews(const std::vector<token::TokenInfo>& tokens,
                                  const std::vector<token::TokenCertificate>& certificates,
                                  TimePoint now, int expiringWithinDays);

struct TrayPresentation {
    TrayState state = TrayState::NoToken;
    std::string tooltip;               // translated, may hold several lines
    std::optional<CertView> nearest;   // the certificate that expires first
};

TrayPresentation presentTray(const TraySnapshot& snapshot);
// While the agent starts (config, state, plugins, first token read): "working", and says so.
TrayPresentation presentStarting();

// "in 10 days" / "today" / "10 days ago" (translated, plural-aware).
std::string daysLeftText(long daysLeft);
// "expiring soon" / "valid" / "expired" (translated).
std::string statusText(token::CertStatus status);
// Local calendar date "2026-03-01".
std::string localDate(TimePoint t);

}  // namespace certagent::ui
