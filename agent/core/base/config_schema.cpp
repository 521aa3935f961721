// The configuration schema: every key, its type, default and meaning. config/agent.toml
// documents the same keys for users; a test checks the two agree.
#include "certagent/core/config.hpp"

namespace certagent::config {

const std::vector<KeyDef>& schema() {
    using T = ValueType;
    static const std::vector<KeyDef> keys = {
        {"log.level", T::String, "info", "Log level: trace, debug, info, warn, error.", {}, {},
         {"trace", "debug", "info", "warn", "error"}},
        {"ui.language", T::String, "auto",
         "Language of messages: auto (follow the system locale), ro or en.", {}, {},
         {"auto", "ro", "en"}},
        {"ui.autostart", T::Bool, true, "Start the tray agent with the desktop session."},
        {"ui.pin_cache", T::Bool, false,
         "Keep the PIN in memory for the rest of the session (off: ask every time)."},
        {"pkcs11.extra_modules", T::StringList, json::array(),
         "PKCS#11 modules to load besides the token plugins' own.", {}, {}, {}, true},
        {"pkcs11.use_p11_kit", T::Bool, true,
         "Also load the PKCS#11 modules registered with p11-kit (Linux)."},
        {"tokens.*.module", T::String, "",
         "Override the PKCS#11 module path of a token plugin, e.g. [tokens.epass2003auto]."},
        {"devices.poll_interval_seconds", T::Int, 10,
         "Rescan interval when no device event source is available.", 1, 3600},
        {"reminders.enabled", T::Bool, true, "Remind before certificates expire."},
        {"reminders.days_before", T::IntList, json::array({60, 30, 14, 7, 3, 1}),
         "Days before expiry at which to remind, one reminder per threshold.", 0, 3650},
        {"reminders.command", T::StringList, json::array(),
         "Program (and arguments) to run for each reminder; the certificate's fields are "
         "passed in CERTAGENT_* environment variables, never through a shell.", {}, {}, {},
         true},
        {"renewal.backend", T::String, "portal",
         "Renewal backend: portal (docs/portal-api.md) or cmp (CMP key update, docs/cmp.md).",
         {}, {}, {"portal", "cmp"}},
        {"renewal.portal_url", T::String, "https://127.0.0.1:8443/",
         "Base URL of the CA's renewal service (HTTPS)."},
        {"renewal.ca_bundle", T::String, "",
         "PEM file with the trust anchors for the renewal service's TLS (added to the "
         "system store)."},
        {"renewal.years", T::Int, 1, "Default renewal period in years (1, 2 or 3).", 1, 3},
        {"renewal.cmp.server", T::String, "",
         "CMP server URL with its path, e.g. https://ca.example/.well-known/cmp (plain http "
         "only to this computer)."},
        {"renewal.cmp.trusted", T::String, "",
         "PEM file with the trust anchors for the CMP server's message protection."},
        {"renewal.cmp.recipient", T::String, "",
         "Distinguished name of the CA the requests are for, e.g. \"/CN=Issuing CA/O=Example\" "
         "(default: the issuer of the certificate being renewed)."},
        {"renewal.cmp.issuers", T::StringList, json::array(),
         "Issuers (distinguished names) whose certificates renew through CMP whatever "
         "renewal.backend says.", {}, {}, {}, true},
        {"renewal.cmp.implicit_confirm", T::Bool, false,
         "Ask the CMP server for implicit confirmation (no certConf/pkiConf round trip)."},
        {"renewal.cmp.secret_file", T::String, "",
         "File (readable by you only: chmod 600) with the shared secret the CA gave for "
         "password-based MAC protection: first enrolments, and key updates when set."},
        {"renewal.cmp.reference", T::String, "",
         "The reference the CA gave with that secret (sent as senderKID)."},
        {"timestamps.url", T::String, "http://127.0.0.1:8080/tsa", "RFC 3161 timestamp URL."},
        {"timestamps.ca_bundle", T::String, "",
         "PEM file with the trust anchors for timestamp tokens (and the TSA's TLS)."},
        {"timestamps.username", T::String, "", "HTTP basic user name for the TSA, if any."},
        {"timestamps.password_env", T::String, "",
         "Environment variable holding the TSA's HTTP basic password, if any."},
        {"timestamps.policy", T::String, "", "TSA policy OID to request, if any."},
        {"timestamps.hash", T::String, "sha256",
         "Hash algorithm of timestamp requests (what the TSA expects).", {}, {},
         {"sha256", "sha384", "sha512"}},
        {"timestamps.max_clock_skew", T::Int, 600,
         "Largest accepted difference, in seconds, between a timestamp and the local clock.", 1,
         86400},
        {"timestamps.client_token", T::String, "",
         "Serial of the token whose certificate logs in to an https:// TSA, if the CA sells "
         "timestamps that way."},
        {"timestamps.client_cert", T::String, "",
         "CKA_ID (hex) of that certificate on the token."},
        {"timestamps.low_quota", T::Int, 10, "Remind when fewer timestamps remain.", 0,
         1000000},
        {"browser.ca_certificates", T::StringList, json::array(),
         "PEM files with the CA certificates `browser register` adds to the browsers' "
         "databases when a token certificate's chain needs them (never marked trusted).",
         {}, {}, {}, true},
        {"server.enabled", T::Bool, false, "Run the local signing server (loopback only)."},
        {"server.port", T::Int, 15000, "Port of the local signing server.", 1, 65535},
        {"server.allowed_origins", T::StringList, json::array({"https://ca.certdigital.ro"}),
         "Web origins allowed to call the local signing server.", {}, {}, {}, true},
        {"server.consent", T::String, "ask",
         "Who answers a signing request: ask (default: the tray app's dialog; the headless "
         "daemon has none and refuses), refuse, or test (automated tests only; also needs "
         "CERTAGENT_TEST_CONSENT_PIN_ENV).", {}, {},
         {"refuse", "ask", "test"}},
        {"server.max_concurrent", T::Int, 4,
         "Requests the local server handles at once; more get 503.", 1, 64},
        {"server.max_body_mb", T::Int, 20,
         "Largest request body (base64 PDF) the local server accepts, in MiB.", 1, 200},
        {"verify.ca_bundle", T::String, "",
         "PEM file with the trust anchors for verifying signatures (documents, timestamps)."},
        {"verify.trusted_list_url", T::String, "",
         "URL of the EU list of trusted lists (LOTL); empty: do not use trusted lists."},
        {"verify.trusted_list_signers", T::String, "",
         "PEM file with the certificates allowed to sign the LOTL; empty: the ones shipped with "
         "certagent (share/certagent/trust/eu-lotl-signers.pem, from the Official Journal)."},
        {"verify.trusted_list_grace_hours", T::Int, 72,
         "Hours a trusted list is still used after its NextUpdate has passed; then it gives no "
         "anchors until a newer one is downloaded.", 0, 720},
        {"verify.trusted_list_countries", T::StringList, json::array(),
         "Territory codes of the national trusted lists to use, e.g. [\"RO\"]; empty: all.",
         {}, {}, {}, true},
        {"verify.trusted_list_tls_ca_bundle", T::String, "",
         "PEM file with extra trust anchors for the TLS of the trusted list servers (added to "
         "the system store)."},
        {"verify.revocation", T::String, "online",
         "Revocation checks of signer certificates: online (OCSP and CRLs from the addresses "
         "the certificates name, after the evidence in the document and the cache) or offline "
         "(only the evidence in the document and the cache).", {}, {}, {"online", "offline"}},
        {"plugins.dirs", T::StringList, json::array(),
         "Extra folders to load plugins from (must not be writable by other users).", {}, {},
         {}, true},
        {"policy.locked", T::StringList, json::array(),
         "Policy file only: keys users cannot change.", {}, {}, {}, true},
    };
    return keys;
}

static bool matches(const std::string& pattern, const std::string& key) {
    auto star = pattern.find('*');
    if (star == std::string::npos) return pattern == key;
    auto prefix = pattern.substr(0, star);
    auto suffix = pattern.substr(star + 1);
    if (key.size() <= prefix.size() + suffix.size()) return false;
    if (key.compare(0, prefix.size(), prefix) != 0) return false;
    if (key.compare(key.size() - suffix.size(), suffix.size(), suffix) != 0) return false;
    auto middle = key.substr(prefix.size(), key.size() - prefix.size() - suffix.size());
    return middle.find('.') == std::string::npos;
}

const KeyDef* findKey(const std::string& key) {
    for (const auto& def : schema())
        if (matches(def.key, key)) return &def;
    return nullptr;
}

}  // namespace certagent::config
