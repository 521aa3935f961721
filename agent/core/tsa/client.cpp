#include "certagent/core/tsa/client.hpp"

#include <fmt/format.h>
#include <openssl/rand.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "certagent/core/config.hpp"
#include "certagent/core/http/client.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"
#include "certagent/core/tsa/tsa_error.hpp"
#include "ossl_util.hpp"
#include "plain_http.hpp"

namespace certagent::tsa {
namespace {

using namespace detail;

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
        throw Error(ErrorKind::Internal, "RAND_bytes failed");
    nonce[0] = static_cast<uint8_t>((nonce[0] & 0x7F) | 0x01);  // positive, full 64 bits
    return nonce;
}

std::string encodeRequest(int md_nid, std::span<const uint8_t> digest,
                          const std::vector<uint8_t>& nonce, const std::string& policy) {
    TsReqPtr req(TS_REQ_new());
    TsMsgImprintPtr mi(TS_MSG_IMPRINT_new());
    X509AlgorPtr algo(X509_ALGOR_new());
    X509_ALGOR_set0(algo.get(), OBJ_nid2obj(md_nid), V_ASN1_NULL, nullptr);
    TS_MSG_IMPRINT_set_algo(mi.get(), algo.get());
    TS_MSG_IMPRINT_set_msg(mi.get(), const_cast<unsigned char*>(digest.data()),
                           static_cast<int>(digest.size()));
    TS_REQ_set_version(req.get(), 1);
    TS_REQ_set_msg_imprint(req.get(), mi.get());
    if (!policy.empty()) {
        Asn1ObjPtr oid(OBJ_txt2obj(policy.c_str(), 1));
        if (!oid)
            throw TsaError(TsaFailure::Config, ErrorKind::Config,
                           fmt::format(fmt::runtime(_("'{0}' is not a policy OID")), policy),
                           "timestamps.policy");
        TS_REQ_set_policy_id(req.get(), oid.get());
    }
    BnPtr bn(BN_bin2bn(nonce.data(), static_cast<int>(nonce.size()), nullptr));
    Asn1IntPtr n(BN_to_ASN1_INTEGER(bn.get(), nullptr));
    TS_REQ_set_nonce(req.get(), n.get());
    TS_REQ_set_cert_req(req.get(), 1);
    unsigned char* der = nullptr;
    int len = i2d_TS_REQ(req.get(), &der);
    if (len <= 0) throw Error(ErrorKind::Internal, "i2d_TS_REQ: " + takeErrors());
    std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
    OPENSSL_free(der);
    return out;
}

// Maps an HTTP answer that is not a 200 to its reason.
[[noreturn]] void failHttp(const http::Response& r, const std::string& url) {
    std::string code;
    try {
        auto j = nlohmann::json::parse(r.body);
        // {"error": {"code": ...}} (docs/portal-api.md), or a flat {"code": ...}.
        if (j.is_object() && j.contains("error") && j["error"].is_object())
            code = j["error"].value("code", "");
        else if (j.is_object())
            code = j.value("code", "");
    } catch (...) {
    }
    const bool quota = code.find("QUOTA") != std::string::npos || r.status == 402;
    if (quota)
        throw TsaError(TsaFailure::QuotaExhausted, ErrorKind::Rejected,
                       _("your timestamp quota is used up; buy more timestamps from your CA "
                         "(\"Mărci temporale\") and try again"),
                       url);
    if (r.status == 429) {
        auto after = r.header("retry-after");
        throw TsaError(TsaFailure::RateLimited, ErrorKind::Rejected,
                       after.empty()
                           ? std::string(_("the timestamp service is busy or limits how often "
                                           "you may ask (HTTP 429); try again later"))
                           : fmt::format(fmt::runtime(_("the timestamp service is busy or "
                                                        "limits how often you may ask (HTTP "
                                                        "429); try again in {0} seconds")),
                                         after),
                       url, true);
    }
    if (r.status == 401 || r.status == 403)
        throw TsaError(TsaFailure::Unauthorized, ErrorKind::Rejected,
                       fmt::format(fmt::runtime(_("the timestamp service refused the credentials "
                                                  "(HTTP {0}); check [timestamps] username and "
                                                  "the password variable, or the client "
                                                  "certificate")),
                                   r.status),
                       url);
    throw TsaError(TsaFailure::HttpStatus, ErrorKind::Protocol,
                   fmt::format(fmt::runtime(_("the timestamp service answered HTTP {0} instead "
                                              "of a timestamp")),
                               r.status),
                   url, r.status >= 500);
}

}  // namespace

int hashNid(const std::string& name) {
    if (name == "sha256") return NID_sha256;
    if (name == "sha384") return NID_sha384;
    if (name == "sha512") return NID_sha512;
    throw TsaError(
        TsaFailure::Config, ErrorKind::Config,
        fmt::format(fmt::runtime(_("unknown hash '{0}': use sha256, sha384 or sha512")), name),
        "timestamps.hash");
}

std::vector<uint8_t> digestData(std::span<const uint8_t> data, int md_nid) {
    std::vector<uint8_t> out(EVP_MAX_MD_SIZE);
    unsigned int n = 0;
    if (EVP_Digest(data.data(), data.size(), out.data(), &n, EVP_get_digestbynid(md_nid),
                   nullptr) != 1)
        throw Error(ErrorKind::Internal, "EVP_Digest: " + takeErrors());
    out.resize(n);
    return out;
}

std::vector<uint8_t> digestFile(const std::filesystem::path& file, int md_nid) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw Error(ErrorKind::Io, _("the file cannot be read"), file.string());
    MdCtxPtr ctx(EVP_MD_CTX_new());
    EVP_DigestInit_ex(ctx.get(), EVP_get_digestbynid(md_nid), nullptr);
    std::vector<char> buf(1 << 16);
    while (in) {
        in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
        if (in.gcount() > 0)
            EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<std::size_t>(in.gcount()));
    }
    if (in.bad()) throw Error(ErrorKind::Io, _("the file cannot be read"), file.string());
    std::vector<uint8_t> out(EVP_MAX_MD_SIZE);
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx.get(), out.data(), &n);
    out.resize(n);
    return out;
}

TsaSettings settingsFrom(const config::Config& config) {
    TsaSettings s;
    s.url = config.getString("timestamps.url");
    s.caBundle = config.getString("timestamps.ca_bundle");
    s.hash = config.getString("timestamps.hash");
    s.policyOid = config.getString("timestamps.policy");
    s.username = config.getString("timestamps.username");
    s.passwordEnv = config.getString("timestamps.password_env");
    s.maxClockSkew = std::chrono::seconds(config.getInt("timestamps.max_clock_skew"));
    return s;
}

TsaClient::TsaClient(TsaSettings settings, std::shared_ptr<http::HttpClient> transport,
                     std::function<std::time_t()> now)
    : settings_(std::move(settings)),
      md_nid_(hashNid(settings_.hash)),
      transport_(std::move(transport)),
      now_(now ? std::move(now) : [] { return std::time(nullptr); }) {
    if (settings_.url.empty())
        throw TsaError(TsaFailure::Config, ErrorKind::Config,
                       _("no timestamp service is configured: set [timestamps] url"));
    if (settings_.url.rfind("http://", 0) != 0 && settings_.url.rfind("https://", 0) != 0)
        throw TsaError(TsaFailure::Config, ErrorKind::Config,
                       _("the timestamp service URL must start with http:// or https://"),
                       settings_.url);
}

TsaClient::~TsaClient() = default;

http::HttpClient& TsaClient::transport() {
    if (!transport_) {
        http::ClientOptions o;
        o.caBundle = settings_.caBundle;
        o.timeout = settings_.timeout;
        o.maxResponseBytes = 1u << 20;  // a timestamp answer is a few KiB
        if (settings_.url.rfind("https://", 0) == 0) {
            auto curl = std::make_shared<http::CurlClient>(o);
            if (settings_.clientCert && settings_.clientKey)
                curl->setClientCertificate(settings_.clientCert, settings_.clientKey);
            transport_ = curl;
        } else {
            transport_ = std::make_shared<PlainHttpClient>(o);
        }
    }
    return *transport_;
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
    auto nonce = randomNonce();
    http::Request req;
    req.method = "POST";
    req.url = url;
    req.contentType = "application/timestamp-query";
    req.body = encodeRequest(md_nid_, digest, nonce, settings_.policyOid);
    req.headers.push_back("Accept: application/timestamp-reply");
    for (const auto& h : settings_.extraHeaders) req.headers.push_back(h);

    std::string auth;  // "Authorization: Basic ...", wiped below
    if (!settings_.username.empty()) {
        if (settings_.passwordEnv.empty())
            throw TsaError(TsaFailure::Config, ErrorKind::Config,
                           _("[timestamps] username is set but password_env is not: name the "
                             "environment variable that holds the password"),
                           "timestamps.password_env");
        if (url.rfind("https://", 0) != 0 && !isLoopbackUrl(url))
            throw TsaError(TsaFailure::Config, ErrorKind::Config,
                           _("the timestamp password is only sent over https:// (or to this "
                             "computer); change [timestamps] url to https://"),
                           url);
        SecretString password;
        try {
            password = secretFromEnv(settings_.passwordEnv);
        } catch (const Error&) {
            throw TsaError(TsaFailure::Config, ErrorKind::Config,
                           fmt::format(fmt::runtime(_("the environment variable {0} with the "
                                                      "timestamp password is not set")),
                                       settings_.passwordEnv),
                           "timestamps.password_env");
        }
        std::string pair = settings_.username + ":" + std::string(password.reveal());
        std::string encoded = base64(pair);
        secureWipe(pair.data(), pair.size());
        auth = "Authorization: Basic " + encoded;
        secureWipe(encoded.data(), encoded.size());
        req.headers.push_back(auth);
    }
    auto wipe = [&] {
        for (auto& h : req.headers) secureWipe(h.data(), h.size());
        secureWipe(auth.data(), auth.size());
    };

    http::Response r;
    try {
        r = transport().perform(req);
    } catch (const TsaError&) {
        wipe();
        throw;
    } catch (const Error& e) {
        wipe();
        throw TsaError(
            TsaFailure::Transport, e.kind(),
            fmt::format(fmt::runtime(_("the timestamp service cannot be used: {0}")), e.what()),
            url, e.retryable());
    }
    wipe();
    if (r.status != 200) failHttp(r, url);

    std::span<const uint8_t> body(reinterpret_cast<const uint8_t*>(r.body.data()), r.body.size());
    Expectation expected;
    expected.mdNid = md_nid_;
    expected.imprint.assign(digest.begin(), digest.end());
    expected.nonce = nonce;
    expected.policyOid = settings_.policyOid;
    expected.now = now_();
    expected.maxClockSkew = settings_.maxClockSkew;
    auto anchors = loadAnchors(settings_.caBundle.string());

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
    log::info("tsa", "timestamp {} from {} at {}", ts.info.serialHex, url, ts.info.genTime);
    return ts;
}

}  // namespace certagent::tsa
