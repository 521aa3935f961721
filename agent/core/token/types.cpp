#include "certagent/core/token/types.hpp"

#include "certagent/core/clock.hpp"
#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"

#include <ctime>
#include <p11-kit/pkcs11.h>

namespace certagent::token {

const char* moduleSourceName(ModuleSource source) noexcept {
    switch (source) {
    case ModuleSource::Plugin: return "plugin";
    case ModuleSource::Config: return "config";
    case ModuleSource::P11Kit: return "p11-kit";
    case ModuleSource::Caller: return "caller";
    }
    return "caller";
}

const char* pinStateName(PinState state) noexcept {
    switch (state) {
    case PinState::Ok: return "ok";
    case PinState::NotInitialized: return "not_initialized";
    case PinState::CountLow: return "count_low";
    case PinState::FinalTry: return "final_try";
    case PinState::Locked: return "locked";
    case PinState::ToBeChanged: return "to_be_changed";
    }
    return "ok";
}

PinState PinFlags::state() const noexcept {
    if (locked) return PinState::Locked;
    if (!initialized) return PinState::NotInitialized;
    if (finalTry) return PinState::FinalTry;
    if (countLow) return PinState::CountLow;
    if (toBeChanged) return PinState::ToBeChanged;
    return PinState::Ok;
}

std::optional<int> PinFlags::triesLeft() const noexcept {
    if (locked) return 0;
    if (finalTry) return 1;
    return std::nullopt;
}

PinFlags PinFlags::fromTokenFlags(unsigned long flags) noexcept {
    PinFlags f;
    f.initialized = (flags & CKF_USER_PIN_INITIALIZED) != 0;
    f.countLow = (flags & CKF_USER_PIN_COUNT_LOW) != 0;
    f.finalTry = (flags & CKF_USER_PIN_FINAL_TRY) != 0;
    f.locked = (flags & CKF_USER_PIN_LOCKED) != 0;
    f.toBeChanged = (flags & CKF_USER_PIN_TO_BE_CHANGED) != 0;
    return f;
}

PinFlags PinFlags::fromSoFlags(unsigned long flags) noexcept {
    PinFlags f;
    f.countLow = (flags & CKF_SO_PIN_COUNT_LOW) != 0;
    f.finalTry = (flags & CKF_SO_PIN_FINAL_TRY) != 0;
    f.locked = (flags & CKF_SO_PIN_LOCKED) != 0;
    f.toBeChanged = (flags & CKF_SO_PIN_TO_BE_CHANGED) != 0;
    return f;
}

const char* certStatusName(CertStatus status) noexcept {
    switch (status) {
    case CertStatus::Valid: return "valid";
    case CertStatus::Expiring: return "expiring";
    case CertStatus::Expired: return "expired";
    }
    return "valid";
}

long CertificateInfo::daysLeft(std::chrono::system_clock::time_point now) const {
    return localCalendarDaysBetween(now, notAfter);
}

std::string CertificateInfo::notAfterText() const {
    return noExpiry ? "9999-12-31T23:59:59Z" : isoUtc(notAfter);
}

CertStatus CertificateInfo::status(std::chrono::system_clock::time_point now,
                                   int expiringWithinDays) const {
    if (noExpiry) return CertStatus::Valid;
    if (now >= notAfter) return CertStatus::Expired;
    if (daysLeft(now) < expiringWithinDays) return CertStatus::Expiring;
    return CertStatus::Valid;
}

std::string keyPresenceText(KeyPresence presence) {
    switch (presence) {
    case KeyPresence::Present: return _("yes");
    case KeyPresence::Absent: return _("no");
    case KeyPresence::UnknownUntilLogin: return _("unknown until login");
    }
    return _("no");
}

const char* keyTypeName(KeyType type) noexcept {
    switch (type) {
    case KeyType::Rsa2048: return "rsa2048";
    case KeyType::Rsa3072: return "rsa3072";
    case KeyType::Rsa4096: return "rsa4096";
    case KeyType::EcP256: return "ec-p256";
    case KeyType::EcP384: return "ec-p384";
    }
    return "rsa2048";
}

std::optional<KeyType> parseKeyType(std::string_view name) noexcept {
    for (auto t : {KeyType::Rsa2048, KeyType::Rsa3072, KeyType::Rsa4096, KeyType::EcP256,
                   KeyType::EcP384})
        if (name == keyTypeName(t)) return t;
    return std::nullopt;
}

std::string toHex(const Bytes& bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (auto b : bytes) {
        out.push_back(kDigits[b >> 4]);
        out.push_back(kDigits[b & 0xf]);
    }
    return out;
}

Bytes fromHex(std::string_view hex) {
    auto nibble = [&](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        throw Error(ErrorKind::InvalidInput, _("Not a hexadecimal identifier"), std::string(hex));
    };
    if (hex.size() % 2) throw Error(ErrorKind::InvalidInput, _("Not a hexadecimal identifier"),
                                    std::string(hex));
    Bytes out;
    for (std::size_t i = 0; i < hex.size(); i += 2)
        out.push_back(static_cast<std::uint8_t>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
    return out;
}

std::string isoUtc(std::chrono::system_clock::time_point tp) {
    return toIso8601(std::chrono::system_clock::to_time_t(tp));
}

}  // namespace certagent::token
