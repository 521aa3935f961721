#include "client.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <fstream>

#include "ossl.hpp"
#include "text.hpp"
#include "tsa_error.hpp"

namespace certagent::timestamps {
namespace {

using namespace ossl;
using json = nlohmann::json;

void wipe(std::string& s) {
    if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
}

std::string base64(std::string_view in) {
    std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(in.data()),
                            static_cast<int>(in.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

std::vector<uint8_t> randomNonce() {
    std::vector<uint8_t> nonce(8);
    if (RAND_bytes(nonce.data(), static_cast<int>(nonce.size())) != 1)
        throw std::runtime_error("RAND_bytes failed");
    nonce[0] = static_cast<uint8_t>((nonce[0] & 0x7F) | 0x01);  // positive, full 64 bits
    return nonce;
}

std::string encodeRequest(int md_nid, std::span<const uint8_t> digest,
                          const std::vector<uint8_t>& nonce, const std::string& policy) {
    Owned<TS_REQ_free> req(TS_REQ_new());
    Owned<TS_MSG_IMPRINT_free> mi(TS_MSG_IMPRINT_new());
    Owned<X509_ALGOR_free> algo(X509_ALGOR_new());
    X509_ALGOR_set0(algo.get(), OBJ_nid2obj(md_nid), V_ASN1_NULL, nullptr);
    TS_MSG_IMPRINT_set_algo(mi.get(), algo.get());
    TS_MSG_IMPRINT_set_msg(mi.get(), const_cast<unsigned char*>(digest.data()),
                           static_cast<int>(digest.size()));
    TS_REQ_set_version(req.get(), 1);
    TS_REQ_set_msg_imprint(req.get(), mi.get());
    if (!policy.empty()) {
        Owned<ASN1_OBJECT_free> oid(OBJ_txt2obj(policy.c_str(), 1));
        if (!oid)
            throw TsaError(TsaFailure::Config, say(_("'{0}' is not a policy OID"), policy),
                           "timestamps.policy");
        TS_REQ_set_policy_id(req.get(), oid.get());
    }
    Owned<BN_free> bn(BN_bin2bn(nonce.data(), static_cast<int>(nonce.size()), nullptr));
    Owned<ASN1_INTEGER_free> n(BN_to_ASN1_INTEGER(bn.get(), nullptr));
    TS_REQ_set_nonce(req.get(), n.get());
    TS_REQ_set_cert_req(req.get(), 1);
    unsigned char* der = nullptr;
    int len = i2d_TS_REQ(req.get(), &der);
    if (len <= 0) throw std::runtime_error("i2d_TS_REQ: " + takeErrors());
    std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
    OPENSSL_free(der);
    return out;
}

// Maps an HTTP answer that is not a 200 to its reason.
[[noreturn]] void failHttp(const HttpAnswer& r, const std::string& url) {
    std::string code;
    try {
        auto j = json::parse(r.body);
        // {"error": {"code": ...}} (docs/portal-api.md), or a flat {"code": ...}.
        if (j.is_object() && j.contains("error") && j["error"].is_object())
            code = j["error"].value("code", "");
        else if (j.is_object())
            code = j.value("code", "");
    } catch (...) {
    }
    if (code.find("QUOTA") != std::string::npos || r.status == 402)
        throw TsaError(TsaFailure::QuotaExhausted,
                       _("your timestamp quota is used up; buy more timestamps from your CA "
                         "(\"Mărci temporale\") and try again"),
                       url);
    if (r.status == 429) {
        auto after = r.header("retry-after");
        throw TsaError(TsaFailure::RateLimited,
                       after.empty()
                           ? std::string(_("the timestamp service is busy or limits how often "
                                           "you may ask (HTTP 429); try again later"))
                           : say(_("the timestamp service is busy or limits how often you may "
                                   "ask (HTTP 429); try again in {0} seconds"),
                                 after),
                       url, true);
    }
    if (r.status == 401 || r.status == 403)
        throw TsaError(TsaFailure::Unauthorized,
                       say(_("the timestamp service refused the credentials (HTTP {0}); check "
                             "[timestamps] username and the password variable, or the client "
                             "certificate"),
                           r.status),
                       url);
    throw TsaError(TsaFailure::HttpStatus,
                   say(_("the timestamp service answered HTTP {0} instead of a timestamp"),
                       r.status),
                   url, r.status >= 500);
}

std::string stringOf(const json& v) { return v.is_string() ? v.get<std::string>() : std::string(); }

}  // namespace

int hashNid(const std::string& name) {
    if (name == "sha256") return NID_sha256;
    if (name == "sha384") return NID_sha384;
    if (name == "sha512") return NID_sha512;
    throw TsaError(TsaFailure::Config,
                   say(_("unknown hash '{0}': use sha256, sha384 or sha512"), name),
                   "timestamps.hash");
}

std::vector<uint8_t> digestData(std::span<const uint8_t> data, int md_nid) {
    std::vector<uint8_t> out(EVP_MAX_MD_SIZE);
    unsigned int n = 0;
    if (EVP_Digest(data.data(), data.size(), out.data(), &n, EVP_get_digestbynid(md_nid),
                   nullptr) != 1)
        throw std::runtime_error("EVP_Digest: " + takeErrors());
    out.resize(n);
    return out;
}

std::vector<uint8_t> digestFile(const std::filesystem::path& file, int md_nid) {
    std::ifstream in(file, std::ios::binary);
    auto unreadable = [&] {
        return sdk::PluginError(CA_ERR_FAILED,
                                file.string() + ": " + _("the file cannot be read"));
    };
    if (!in) throw unreadable();
    Owned<EVP_MD_CTX_free> ctx(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_get_digestbynid(md_nid), nullptr) != 1)
        throw std::runtime_error("EVP_DigestInit_ex: " + takeErrors());
    std::vector<char> buf(1 << 16);
    while (in) {
        in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
        if (in.gcount() > 0)
            EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<std::size_t>(in.gcount()));
    }
    if (in.bad()) throw unreadable();
    std::vector<uint8_t> out(EVP_MAX_MD_SIZE);
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx.get(), out.data(), &n);
    out.resize(n);
    return out;
}

TsaSettings settingsFrom(const std::function<json(const std::string&)>& get) {
    TsaSettings s;
    s.url = stringOf(get("timestamps.url"));
    s.caBundle = stringOf(get("timestamps.ca_bundle"));
    if (auto h = stringOf(get("timestamps.hash")); !h.empty()) s.hash = h;
    s.policyOid = stringOf(get("timestamps.policy"));
    s.username = stringOf(get("timestamps.username"));
    s.passwordEnv = stringOf(get("timestamps.password_env"));
    if (auto skew = get("timestamps.max_clock_skew"); skew.is_number_integer())
        s.maxClockSkew = std::chrono::seconds(skew.get<long long>());
    return s;
}

TsaClient::TsaClient(TsaSettings settings, Transport& transport, std::function<std::time_t()> now)
    : settings_(std::move(settings)),
      md_nid_(hashNid(settings_.hash)),
      transport_(transport),
      now_(now ? std::move(now) : [] { return std::time(nullptr); }) {
    if (settings_.url.empty())
        throw TsaError(TsaFailure::Config,
                       _("no timestamp service is configured: set [timestamps] url"));
    if (settings_.url.rfind("http://", 0) != 0 && settings_.url.rfind("https://", 0) != 0)
        throw TsaError(TsaFailure::Config,
                       _("the timestamp service URL must start with http:// or https://"),
                       settings_.url);
}

Timestamp TsaClient::timestampData(std::span<const uint8_t> data) {
    auto digest = digestData(data, md_nid_);
    return timestampDigest(digest);
}

Timestamp TsaClient::timestampFile(const std::filesystem::path& file) {
    auto digest = digestFile(file, md_nid_);
    return timestampDigest(digest);
}

Timestamp TsaClient::timestampDigest(std::span<const uint8_t> digest) {
    const auto& url = settings_.url;
    // The anchors first: a missing ca_bundle is found before anything is sent (or paid).
    auto anchors = loadAnchors(settings_.caBundle);
    auto nonce = randomNonce();
    HttpRequest req;
    req.method = "POST";
    req.url = url;
    req.body = encodeRequest(md_nid_, digest, nonce, settings_.policyOid);
    req.headers = {{"Content-Type", "application/timestamp-query"},
                   {"Accept", "application/timestamp-reply"}};
    for (const auto& h : settings_.extraHeaders) req.headers.push_back(h);
    req.caBundle = settings_.caBundle.string();
    req.allowPlainHttp = url.rfind("http://", 0) == 0;
    req.timeout = settings_.timeout;
    req.maxBytes = 1u << 20;  // a timestamp answer is a few KiB
    req.clientCertificate = settings_.clientCertificate;

    struct WipeHeaders {
        HttpRequest& r;
        ~WipeHeaders() {
            for (auto& [name, value] : r.headers) wipe(value);
        }
    } wipe_headers{req};
    if (!settings_.username.empty()) {
        if (settings_.passwordEnv.empty())
            throw TsaError(TsaFailure::Config,
                           _("[timestamps] username is set but password_env is not: name the "
                             "environment variable that holds the password"),
                           "timestamps.password_env");
        const char* password = std::getenv(settings_.passwordEnv.c_str());
        if (!password || !*password)
            throw TsaError(TsaFailure::Config,
                           say(_("the environment variable {0} with the timestamp password is "
                                 "not set"),
                               settings_.passwordEnv),
                           "timestamps.password_env");
        std::string pair = settings_.username + ":" + password;
        std::string encoded = base64(pair);
        wipe(pair);
        req.headers.emplace_back("Authorization", "Basic " + encoded);
        wipe(encoded);
    }

    HttpAnswer r;
    try {
        r = transport_.perform(req);
    } catch (const TransportError& e) {
        // An address the agent refuses (plain http:// to another computer) is a setting to
        // change; anything else is the network or TLS.
        const bool setting = e.code() == "usage" || e.code() == "config";
        throw TsaError(setting ? TsaFailure::Config : TsaFailure::Transport,
                       say(_("the timestamp service cannot be used: {0}"), e.what()), url,
                       e.retryable());
    }
    if (r.status != 200) failHttp(r, url);

    std::span<const uint8_t> body(reinterpret_cast<const uint8_t*>(r.body.data()), r.body.size());
    Expectation expected;
    expected.mdNid = md_nid_;
    expected.imprint.assign(digest.begin(), digest.end());
    expected.nonce = nonce;
    expected.policyOid = settings_.policyOid;
    expected.now = now_();
    expected.maxClockSkew = settings_.maxClockSkew;

    Timestamp ts;
    ts.info = checkResponse(body, expected, anchors.get(), url);
    ts.response.assign(body.begin(), body.end());
    ts.token = tokenFromResponse(body);
    ts.url = url;
    auto remaining = r.header("x-timestamps-remaining");
    if (!remaining.empty()) {
        try {
            ts.quotaRemaining = std::stoll(remaining);
        } catch (...) {
        }
    }
    return ts;
}

}  // namespace certagent::timestamps
