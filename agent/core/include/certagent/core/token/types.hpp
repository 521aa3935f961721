#pragma once
// Plain data the token service hands out: modules, tokens, PIN state, certificates, keys.
// Nothing here owns a PKCS#11 handle, so these values can travel to any thread or to the UI.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace certagent::token {

using Bytes = std::vector<std::uint8_t>;

// Where a module path came from; shown by `certagent-cli tokens` and in logs.
enum class ModuleSource {
    Plugin,  // a token plugin's candidate for this OS (or its config override)
    Config,  // [pkcs11] extra_modules
    P11Kit,  // registered with p11-kit (Linux)
    Caller,  // anything else (tests, tools)
};
const char* moduleSourceName(ModuleSource source) noexcept;

struct ModuleSpec {
    std::filesystem::path path;
    std::string plugin;  // token plugin that proposed it; empty: decided per token
    ModuleSource source = ModuleSource::Caller;
};

// What happened when the service tried a module. Failures are listed, never thrown.
struct ModuleStatus {
    ModuleSpec spec;
    std::filesystem::path realPath;  // after symlinks; each real path is loaded once
    bool loaded = false;
    std::string error;  // user text when !loaded
    std::string manufacturer;
    std::string description;
};

// The user PIN's state as the token reports it in CK_TOKEN_INFO.flags.
enum class PinState {
    Ok,
    NotInitialized,  // no user PIN set on the token yet
    CountLow,        // at least one wrong PIN entered since the last good one
    FinalTry,        // one more wrong PIN locks the token
    Locked,          // PIN blocked: needs the PUK / SO PIN or the vendor tool
    ToBeChanged,     // the PIN must be changed before use (default PIN or expired)
};
const char* pinStateName(PinState state) noexcept;  // "ok", "count_low", ...

struct PinFlags {
    bool initialized = true;
    bool countLow = false;
    bool finalTry = false;
    bool locked = false;
    bool toBeChanged = false;

    // The most urgent state (locked > final try > count low > to be changed > ok).
    PinState state() const noexcept;
    // Tries left when the flags tell it exactly (final try: 1, locked: 0); PKCS#11 has no
    // counter, so otherwise unknown.
    std::optional<int> triesLeft() const noexcept;
    static PinFlags fromTokenFlags(unsigned long flags) noexcept;
    // The SO PIN's flags (CKF_SO_PIN_*): the PUK or SO PIN that unblocks the user PIN. A token
    // always has one once initialised, so `initialized` is true.
    static PinFlags fromSoFlags(unsigned long flags) noexcept;
};

struct TokenInfo {
    unsigned long slotId = 0;
    std::string slotDescription;
    std::string label;
    std::string serial;
    std::string manufacturer;
    std::string model;
    std::filesystem::path module;  // real path of the module that serves it
    std::string plugin;            // token plugin that claims it ("generic-pkcs11" at worst)
    unsigned long flags = 0;       // raw CK_TOKEN_INFO.flags
    bool loginRequired = false;
    bool readOnly = false;
    bool protectedAuthenticationPath = false;  // PIN pad: C_Login with no PIN
    unsigned long minPinLength = 0;
    unsigned long maxPinLength = 0;
    PinFlags userPin;
    PinFlags soPin;  // the PUK / SO PIN (CKF_SO_PIN_* flags)
};

enum class CertStatus { Valid, Expiring, Expired };
const char* certStatusName(CertStatus status) noexcept;  // "valid" | "expiring" | "expired"

// An X.509 certificate as parsed by OpenSSL.
struct CertificateInfo {
    std::string subject;    // RFC 2253, e.g. "CN=Ion Popescu,O=Example,C=RO"
    std::string issuer;
    std::string commonName;
    std::string serialHex;  // lower-case hex, no separators
    std::chrono::system_clock::time_point notBefore;
    std::chrono::system_clock::time_point notAfter;
    // notAfter is 99991231235959Z, RFC 5280's "no well-defined expiration date": never
    // expires. notAfter then holds the latest time system_clock represents safely (2262), as
    // does any other date past it; dates before 1678 likewise hold 1678.
    bool noExpiry = false;
    std::vector<std::string> keyUsage;  // "digitalSignature", "nonRepudiation", ...
    std::vector<std::string> policies;  // certificate policy OIDs, dotted
    bool qcCompliance = false;          // qcStatements: id-etsi-qcs-QcCompliance
    bool qcSscd = false;                // qcStatements: id-etsi-qcs-QcSSCD (key in a QSCD)
    bool qualified = false;             // QcCompliance or an EU qualified policy OID
    std::string keyAlgorithm;           // "RSA" | "EC" | other OpenSSL short name
    int keyBits = 0;
    Bytes der;

    // Local calendar days until notAfter's date (0: expires today; negative: past), the same
    // count the reminders use (localCalendarDaysBetween).
    long daysLeft(std::chrono::system_clock::time_point now) const;
    // notAfter in ISO 8601 UTC; "9999-12-31T23:59:59Z" for noExpiry.
    std::string notAfterText() const;
    CertStatus status(std::chrono::system_clock::time_point now, int expiringWithinDays) const;
};

enum class KeyPresence { Present, Absent, UnknownUntilLogin };

// A certificate object on a token. A malformed object keeps its id and label and says why in
// `error`; `info` is empty then.
struct TokenCertificate {
    std::string tokenSerial;
    std::string tokenLabel;
    Bytes id;  // CKA_ID
    std::string label;
    std::optional<CertificateInfo> info;
    std::string error;
    // Whether the certificate's private key (same CKA_ID) is on the token. Before login private
    // objects are hidden: a public key object with that CKA_ID is then the witness (tokens
    // create both halves), and without one (keys imported from a PKCS#12 file) the answer is
    // UnknownUntilLogin. Signing looks again after login.
    KeyPresence privateKey = KeyPresence::Absent;
    // privateKey == Present: the key is known to be there.
    bool hasPrivateKey = false;
};

// "yes", "no", "unknown until login" (translated), for tables.
std::string keyPresenceText(KeyPresence presence);

enum class KeyType { Rsa2048, Rsa3072, Rsa4096, EcP256, EcP384 };
const char* keyTypeName(KeyType type) noexcept;  // "rsa2048", ..., "ec-p256", "ec-p384"
std::optional<KeyType> parseKeyType(std::string_view name) noexcept;

struct KeyPairInfo {
    Bytes id;
    std::string label;
    KeyType type = KeyType::Rsa2048;
};

// A request for a PKCS#10 CSR. Subject entries are (field, value) in order, e.g. {"C","RO"},
// {"CN","Ion Popescu"}; extensions use OpenSSL's config syntax, e.g. {"keyUsage",
// "critical,digitalSignature,nonRepudiation"}.
struct CsrRequest {
    std::vector<std::pair<std::string, std::string>> subject;
    std::vector<std::pair<std::string, std::string>> extensions;
    std::string digest = "sha256";
};

std::string toHex(const Bytes& bytes);
Bytes fromHex(std::string_view hex);  // throws certagent::Error(InvalidInput)

}  // namespace certagent::token
