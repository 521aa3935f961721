#include "token_snapshot.hpp"

#include <openssl/evp.h>
#include <map>

namespace expiry_reminders {
namespace {

using nlohmann::json;

std::string text(const json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool flag(const json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_boolean() && it->get<bool>();
}

std::optional<ObservedCertificate> observed(const json& c) {
    if (!c.is_object() || c.contains("error") || flag(c, "no_expiry")) return std::nullopt;
    auto notBefore = parseIso8601(text(c, "not_before"));
    auto notAfter = parseIso8601(text(c, "not_after"));
    ObservedCertificate o;
    o.idHex = text(c, "id");
    o.fingerprint = fingerprintOf(text(c, "der"));
    if (!notAfter || o.idHex.empty() || o.fingerprint.empty()) return std::nullopt;
    o.label = text(c, "label");
    o.subject = text(c, "subject");
    o.commonName = text(c, "common_name");
    o.issuer = text(c, "issuer");
    o.serialHex = text(c, "serial");
    o.notBefore = notBefore.value_or(*notAfter);
    o.notAfter = *notAfter;
    o.qualified = flag(c, "qualified");
    // Known to be there; "unknown until login" counts as not known, as it always did.
    o.hasPrivateKey = text(c, "private_key") == "present";
    return o;
}

}  // namespace

std::string fingerprintOf(const std::string& derBase64) {
    if (derBase64.empty() || derBase64.size() % 4 != 0) return {};
    std::string der(derBase64.size() / 4 * 3, '\0');
    int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(der.data()),
                            reinterpret_cast<const unsigned char*>(derBase64.data()),
                            static_cast<int>(derBase64.size()));
    if (n < 0) return {};
    // EVP_DecodeBlock counts the bytes the '=' padding stands for; they are not data.
    std::size_t size = static_cast<std::size_t>(n);
    for (auto it = derBase64.rbegin(); it != derBase64.rend() && *it == '=' && size > 0; ++it)
        --size;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(der.data(), size, md, &len, EVP_sha256(), nullptr) != 1) return {};
    static const char* kHex = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < len; ++i) {
        out += kHex[md[i] >> 4];
        out += kHex[md[i] & 0xf];
    }
    return out;
}

std::vector<TokenSnapshot> snapshotsFrom(const json& tokens, const json& certificates) {
    std::map<std::string, TokenSnapshot> byToken;
    if (tokens.is_array())
        for (const auto& t : tokens) {
            auto serial = text(t, "serial");
            if (!serial.empty()) byToken[serial] = {serial, text(t, "label"), {}};
        }
    if (certificates.is_array())
        for (const auto& c : certificates) {
            auto serial = text(c, "token");
            auto it = byToken.find(serial);
            if (it == byToken.end()) continue;  // pulled out between the two reads
            if (auto o = observed(c)) it->second.certificates.push_back(std::move(*o));
        }
    std::vector<TokenSnapshot> out;
    for (auto& [_, snap] : byToken) out.push_back(std::move(snap));
    return out;
}

}  // namespace expiry_reminders
