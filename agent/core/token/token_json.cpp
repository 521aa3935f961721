#include "certagent/core/token/token_json.hpp"

#include <openssl/evp.h>

#include "certagent/core/clock.hpp"

namespace certagent::token {

std::string base64(const Bytes& b) {
    std::string out(4 * ((b.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), b.data(),
                            static_cast<int>(b.size()));
    out.resize(static_cast<size_t>(n));
    return out;
}

const char* keyPresenceName(KeyPresence presence) noexcept {
    switch (presence) {
        case KeyPresence::Present: return "present";
        case KeyPresence::Absent: return "absent";
        case KeyPresence::UnknownUntilLogin: return "unknown_until_login";
    }
    return "absent";
}

nlohmann::json tokenJson(const TokenInfo& t) {
    nlohmann::json j = {{"serial", t.serial},
                        {"label", t.label},
                        {"manufacturer", t.manufacturer},
                        {"model", t.model},
                        {"plugin", t.plugin},
                        {"module", t.module.string()},
                        {"slot", t.slotId},
                        {"pin_state", pinStateName(t.userPin.state())},
                        {"pin_pad", t.protectedAuthenticationPath}};
    if (auto tries = t.userPin.triesLeft()) j["tries_left"] = *tries;
    return j;
}

nlohmann::json certificateJson(const TokenCertificate& c, std::chrono::system_clock::time_point now,
                               int expiringWithinDays, bool withDer) {
    using nlohmann::json;
    json j = {{"token", c.tokenSerial},
              {"id", toHex(c.id)},
              {"label", c.label},
              {"private_key", keyPresenceName(c.privateKey)},
              {"has_private_key", c.privateKey == KeyPresence::UnknownUntilLogin
                                      ? json(nullptr)
                                      : json(c.privateKey == KeyPresence::Present)}};
    if (!c.info) {
        j["error"] = c.error;
        return j;
    }
    const auto& i = *c.info;
    j["subject"] = i.subject;
    j["issuer"] = i.issuer;
    j["common_name"] = i.commonName;
    j["serial"] = i.serialHex;
    j["not_before"] = toIso8601(i.notBefore);
    j["not_after"] = i.notAfterText();
    j["days_left"] = i.noExpiry ? json(nullptr) : json(i.daysLeft(now));
    j["no_expiry"] = i.noExpiry;
    j["qualified"] = i.qualified;
    j["status"] = certStatusName(i.status(now, expiringWithinDays));
    if (withDer) j["der"] = base64(i.der);
    return j;
}

}  // namespace certagent::token
