#pragma once
// Tokens and certificates as the token service would report them, for presenter tests.
#include <chrono>

#include "certagent/core/ui/tray_model.hpp"

namespace certagent::ui::testdata {

inline const TimePoint kNow = std::chrono::sys_days{std::chrono::year{2025} / 6 / 1} + 
                              std::chrono::hours{12};

inline CertView cert(const std::string& holder, long daysLeft, const std::string& id = "01",
                     bool key = true) {
    CertView c;
    c.tokenSerial = "SER1";
    c.tokenLabel = "Alice token";
    c.idHex = id;
    c.label = holder;
    c.holder = holder;
    c.daysLeft = daysLeft;
    c.notAfter = kNow + std::chrono::days{daysLeft};
    c.status = daysLeft < 0 ? token::CertStatus::Expired
               : daysLeft < 30 ? token::CertStatus::Expiring : token::CertStatus::Valid;
    c.hasPrivateKey = key;
    return c;
}

inline TokenView tokenWith(std::vector<CertView> certs, const std::string& serial = "SER1") {
    TokenView t;
    t.serial = serial;
    t.label = "Alice token";
    for (auto& c : certs) c.tokenSerial = serial;
    t.certificates = std::move(certs);
    return t;
}

}  // namespace certagent::ui::testdata
