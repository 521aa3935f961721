#include "certagent/core/ui/tray_model.hpp"

#include <algorithm>
#include <ctime>
#include <fmt/format.h>

#include "certagent/core/i18n.hpp"

namespace certagent::ui {

const char* trayStateName(TrayState state) noexcept {
    switch (state) {
        case TrayState::AllValid: return "valid";
        case TrayState::ExpiringSoon: return "expiring";
        case TrayState::Expired: return "expired";
        case TrayState::NoToken: return "no-token";
        case TrayState::Working: return "working";
    }
    return "no-token";
}

bool CertView::renewable() const noexcept {
    return error.empty() && hasPrivateKey && status != token::CertStatus::Expired;
}

std::vector<TokenView> tokenViews(const std::vector<token::TokenInfo>& tokens,
                                  const std::vector<token::TokenCertificate>& certificates,
                                  TimePoint now, int expiringWithinDays) {
    std::vector<TokenView> views;
    for (const auto& t : tokens) {
        TokenView v;
        v.serial = t.serial;
        v.label = t.label;
        v.model = t.model;
        v.plugin = t.plugin;
        v.pin = t.userPin.state();
        v.userPin = t.userPin;
        v.soPin = t.soPin;
        v.pinPad = t.protectedAuthenticationPath;
        for (const auto& c : certificates) {
            if (c.tokenSerial != t.serial) continue;
            CertView cv;
            cv.tokenSerial = t.serial;
            cv.tokenLabel = t.label;
            cv.idHex = token::toHex(c.id);
            cv.label = c.label;
            // Unknown until login (keys imported without a public-key object) still offers
            // signing and renewal: they look for the key after login.
            cv.hasPrivateKey = c.privateKey != token::KeyPresence::Absent;
            cv.error = c.error;
            if (c.info) {
                const auto& i = *c.info;
                cv.holder = i.commonName.empty() ? c.label : i.commonName;
                cv.subject = i.subject;
                cv.issuer = i.issuer;
                cv.notAfter = i.notAfter;
                cv.daysLeft = i.daysLeft(now);
                cv.status = i.status(now, expiringWithinDays);
                cv.qualified = i.qualified;
                cv.der = i.der;
            } else {
                cv.holder = c.label;
                if (cv.error.empty()) cv.error = "unreadable certificate";
            }
            v.certificates.push_back(std::move(cv));
        }
        // Soonest expiry first: that is the one the user has to act on.
        std::stable_sort(v.certificates.begin(), v.certificates.end(),
                         [](const CertView& a, const CertView& b) {
                             if (a.error.empty() != b.error.empty()) return a.error.empty();
                             return a.notAfter < b.notAfter;
                         });
        views.push_back(std::move(v));
    }
    return views;
}

TrayPresentation presentStarting() {
    TrayPresentation p;
    p.state = TrayState::Working;
    p.tooltip = _("certagent is starting…");
    return p;
}

std::string daysLeftText(long daysLeft) {
    if (daysLeft == 0) return _("expires today");
    if (daysLeft > 0)
        return fmt::format(fmt::runtime(i18n::trn("expires in {0} day", "expires in {0} days",
                                                  static_cast<unsigned long>(daysLeft))),
                           daysLeft);
    long ago = -daysLeft;
    return fmt::format(fmt::runtime(i18n::trn("expired {0} day ago", "expired {0} days ago",
                                              static_cast<unsigned long>(ago))),
                       ago);
}

std::string statusText(token::CertStatus status) {
    switch (status) {
        case token::CertStatus::Valid: return _("valid");
        case token::CertStatus::Expiring: return _("expiring soon");
        case token::CertStatus::Expired: return _("expired");
    }
    return {};
}

std::string localDate(TimePoint t) {
    std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    localtime_r(&tt, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
}

TrayPresentation presentTray(const TraySnapshot& snapshot) {
    TrayPresentation p;
    const CertView* nearest = nullptr;
    for (const auto& t : snapshot.tokens)
        for (const auto& c : t.certificates)
            if (c.error.empty() && (!nearest || c.notAfter < nearest->notAfter)) nearest = &c;
    // An expired certificate outranks one expiring later: the icon shows the worst news.
    bool anyExpired = false, anyExpiring = false;
    for (const auto& t : snapshot.tokens)
        for (const auto& c : t.certificates) {
            if (!c.error.empty()) continue;
            anyExpired |= c.status == token::CertStatus::Expired;
            anyExpiring |= c.status == token::CertStatus::Expiring;
        }
    const PendingRenewal* active = nullptr;
    for (const auto& r : snapshot.renewals)
        if (r.active) active = &r;

    std::vector<std::string> lines;
    lines.push_back("certagent");
    if (active || snapshot.signing) {
        p.state = TrayState::Working;
        if (active)
            lines.push_back(fmt::format(fmt::runtime(_("Renewal in progress: {0}")),
                                        active->stepTitle));
        if (snapshot.signing) lines.push_back(_("Signing a document…"));
    } else if (snapshot.tokens.empty()) {
        p.state = TrayState::NoToken;
    } else if (anyExpired) {
        p.state = TrayState::Expired;
    } else if (anyExpiring) {
        p.state = TrayState::ExpiringSoon;
    } else {
        p.state = TrayState::AllValid;
    }

    if (snapshot.tokens.empty()) {
        lines.push_back(_("No token connected"));
    } else if (!nearest) {
        lines.push_back(_("No certificate on the connected token"));
    } else {
        if (p.state == TrayState::AllValid) lines.push_back(_("All certificates are valid"));
        if (p.state == TrayState::Expired) lines.push_back(_("A certificate has expired"));
        lines.push_back(fmt::format(fmt::runtime(_("Nearest expiry: {0}, {1} ({2})")),
                                    nearest->holder, daysLeftText(nearest->daysLeft),
                                    localDate(nearest->notAfter)));
        p.nearest = *nearest;
    }
    for (size_t i = 0; i < lines.size(); ++i) p.tooltip += (i ? "\n" : "") + lines[i];
    return p;
}

}  // namespace certagent::ui
