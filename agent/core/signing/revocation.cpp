// Revocation checks (OCSP and CRLs): see revocation.hpp. The order of the checks gives each
// hostile answer its own reason: unreadable (garbage), about another certificate, signed by
// someone the issuer did not authorise (wrong_signer), a signature that does not verify, another
// request's nonce, then the time window (stale, not yet valid).
#include "certagent/core/signing/revocation.hpp"
#include "certagent/core/clock.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>

#include "certagent/core/config.hpp"
#include "certagent/core/error.hpp"
#include "certagent/core/files.hpp"
#include "certagent/core/http/client.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"

namespace certagent::signing {
namespace {

namespace fs = std::filesystem;
using pdf::CertificateStatus;
using pdf::Der;
using pdf::epochOf;
using pdf::derOf;
using pdf::RevocationStatus;
using pdf::takeOpensslErrors;
using pdf::X509Ptr;
using pdf::X509StackPtr;

using OcspRequestPtr = std::unique_ptr<OCSP_REQUEST, pdf::OsslDeleter<OCSP_REQUEST_free>>;
using OcspResponsePtr = std::unique_ptr<OCSP_RESPONSE, pdf::OsslDeleter<OCSP_RESPONSE_free>>;
using OcspBasicPtr = std::unique_ptr<OCSP_BASICRESP, pdf::OsslDeleter<OCSP_BASICRESP_free>>;
using OcspCertIdPtr = std::unique_ptr<OCSP_CERTID, pdf::OsslDeleter<OCSP_CERTID_free>>;
using CrlPtr = std::unique_ptr<X509_CRL, pdf::OsslDeleter<X509_CRL_free>>;

std::string isoOf(std::optional<std::time_t> t) {
    if (!t) return "?";
    return toIso8601(*t);
}

std::string hex(std::span<const unsigned char> bytes) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (unsigned char b : bytes) {
        out += digits[b >> 4];
        out += digits[b & 15];
    }
    return out;
}

std::string sha256Hex(std::span<const unsigned char> bytes) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(bytes.data(), bytes.size(), md, &n, EVP_sha256(), nullptr);
    return hex({md, n});
}

// One piece of evidence, checked: decided (good or revoked) or refused with a reason.
struct Outcome {
    bool decided = false;
    RevocationStatus status = RevocationStatus::Unknown;
    std::string reason;   // when refused
    std::string message;  // when refused
    std::optional<std::time_t> this_update, next_update, revoked_at;
    std::string revocation_reason;
};

Outcome refused(std::string reason, std::string message) {
    Outcome o;
    o.reason = std::move(reason);
    o.message = std::move(message);
    return o;
}

struct Window {
    std::time_t now;
    std::optional<std::time_t> proven_existence;
    std::chrono::seconds skew;
};

// thisUpdate/nextUpdate against the window: current, or issued after the proven existence.
std::optional<Outcome> refuseByTime(const Outcome& o, const Window& w, bool fetched_now) {
    const auto skew = w.skew.count();
    if (o.this_update && *o.this_update > w.now + skew)
        return refused("not_yet_valid",
                       fmt::format(fmt::runtime(_("the revocation data is dated in the future "
                                                  "({0})")),
                                   isoOf(o.this_update)));
    const bool current = o.next_update
                             ? *o.next_update + skew >= w.now
                             // No nextUpdate: newer information is always available,
                             // so only an answer fetched just now is current.
                             : fetched_now && o.this_update && *o.this_update + skew >= w.now;
    const bool after_existence =
        w.proven_existence && o.this_update && *o.this_update + skew >= *w.proven_existence;
    if (current || after_existence) return std::nullopt;
    return refused("stale",
                   fmt::format(fmt::runtime(_("the revocation data is out of date (issued {0}, "
                                              "next update {1})")),
                               isoOf(o.this_update), isoOf(o.next_update)));
}

bool authorisedResponder(X509* signer, X509* issuer) {
    if (X509_cmp(signer, issuer) == 0) return true;
    // RFC 6960 4.2.2.2: a responder certificate issued directly by the CA, for OCSPSigning.
    if (X509_check_issued(issuer, signer) != X509_V_OK) return false;
    EVP_PKEY* key = X509_get0_pubkey(issuer);
    if (!key || X509_verify(signer, key) != 1) return false;
    return (X509_get_extension_flags(signer) & EXFLAG_XKUSAGE) &&
           (X509_get_extended_key_usage(signer) & XKU_OCSP_SIGN);
}

Outcome checkOcsp(std::span<const uint8_t> der, X509* cert, X509* issuer, OCSP_REQUEST* request,
                  STACK_OF(X509) * extra, const Window& w) {
    const unsigned char* p = der.data();
    OcspResponsePtr resp(d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(der.size())));
    OcspBasicPtr basic;
    if (resp) {
        const int status = OCSP_response_status(resp.get());
        if (status != OCSP_RESPONSE_STATUS_SUCCESSFUL)
            return refused("not_successful",
                           fmt::format(fmt::runtime(_("the OCSP responder refused to answer "
                                                      "({0})")),
                                       OCSP_response_status_str(status)));
        basic.reset(OCSP_response_get1_basic(resp.get()));
    } else {
        p = der.data();  // CAdES revocation-values hold the BasicOCSPResponse alone
        basic.reset(d2i_OCSP_BASICRESP(nullptr, &p, static_cast<long>(der.size())));
    }
    takeOpensslErrors();
    if (!basic) return refused("garbage", _("the answer is not an OCSP response"));

    // The single response about this certificate, with the hash the responder chose.
    OCSP_SINGLERESP* single = nullptr;
    for (int i = 0; i < OCSP_resp_count(basic.get()) && i < 64 && !single; ++i) {
        OCSP_SINGLERESP* s = OCSP_resp_get0(basic.get(), i);
        ASN1_OBJECT* md = nullptr;
        OCSP_id_get0_info(nullptr, &md, nullptr, nullptr,
                          const_cast<OCSP_CERTID*>(OCSP_SINGLERESP_get0_id(s)));
        const EVP_MD* digest = md ? EVP_get_digestbyobj(md) : nullptr;
        if (!digest) continue;
        OcspCertIdPtr ours(OCSP_cert_to_id(digest, cert, issuer));
        if (ours && OCSP_id_cmp(ours.get(), OCSP_SINGLERESP_get0_id(s)) == 0) single = s;
    }
    takeOpensslErrors();
    if (!single)
        return refused("wrong_certificate", _("the OCSP answer is about another "
                                              "certificate"));

    X509* signer = nullptr;
    if (OCSP_resp_get0_signer(basic.get(), &signer, extra) != 1 || !signer ||
        !authorisedResponder(signer, issuer)) {
        takeOpensslErrors();
        return refused("wrong_signer",
                       _("the OCSP answer is signed by a certificate the issuer did not "
                         "authorise to answer for it"));
    }
    if (OCSP_basic_verify(basic.get(), extra, nullptr, OCSP_NOVERIFY) != 1) {
        takeOpensslErrors();
        return refused("bad_signature", _("the OCSP answer's signature does not verify"));
    }
    if (request && OCSP_check_nonce(request, basic.get()) == 0)
        return refused("wrong_nonce", _("the OCSP answer does not belong to this request (wrong "
                                        "nonce): it may be replayed"));

    Outcome o;
    int reason = -1;
    ASN1_GENERALIZEDTIME *revoked = nullptr, *this_update = nullptr, *next_update = nullptr;
    const int status =
        OCSP_single_get0_status(single, &reason, &revoked, &this_update, &next_update);
    o.this_update = epochOf(this_update);
    o.next_update = epochOf(next_update);
    if (auto refusal = refuseByTime(o, w, request != nullptr)) return *refusal;
    if (status == V_OCSP_CERTSTATUS_UNKNOWN)
        return refused("unknown_to_responder", _("the OCSP responder does not know this "
                                                 "certificate"));
    o.decided = true;
    o.status =
        status == V_OCSP_CERTSTATUS_REVOKED ? RevocationStatus::Revoked : RevocationStatus::Good;
    if (o.status == RevocationStatus::Revoked) {
        o.revoked_at = epochOf(revoked);
        if (reason >= 0) o.revocation_reason = OCSP_crl_reason_str(reason);
    }
    return o;
}

Outcome checkCrl(std::span<const uint8_t> der, X509* cert, X509* issuer, const Window& w,
                 bool fetched_now) {
    const unsigned char* p = der.data();
    CrlPtr crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size())));
    if (!crl) {
        pdf::BioPtr bio(BIO_new_mem_buf(der.data(), static_cast<int>(der.size())));
        crl.reset(PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
    }
    takeOpensslErrors();
    if (!crl) return refused("garbage", _("the answer is not a certificate revocation list"));
    if (X509_NAME_cmp(X509_CRL_get_issuer(crl.get()), X509_get_issuer_name(cert)) != 0)
        return refused("wrong_issuer", _("the revocation list was issued by another authority"));
    EVP_PKEY* key = X509_get0_pubkey(issuer);
    if (!key || X509_CRL_verify(crl.get(), key) != 1) {
        takeOpensslErrors();
        return refused("bad_signature", _("the revocation list's signature does not verify"));
    }
    Outcome o;
    o.this_update = epochOf(X509_CRL_get0_lastUpdate(crl.get()));
    o.next_update = epochOf(X509_CRL_get0_nextUpdate(crl.get()));
    if (auto refusal = refuseByTime(o, w, fetched_now)) return *refusal;
    X509_REVOKED* entry = nullptr;
    o.decided = true;
    o.status = RevocationStatus::Good;
    if (X509_CRL_get0_by_cert(crl.get(), &entry, cert) == 1 && entry) {
        o.status = RevocationStatus::Revoked;
        o.revoked_at = epochOf(X509_REVOKED_get0_revocationDate(entry));
        if (auto* r = static_cast<ASN1_ENUMERATED*>(
                X509_REVOKED_get_ext_d2i(entry, NID_crl_reason, nullptr, nullptr))) {
            o.revocation_reason = OCSP_crl_reason_str(ASN1_ENUMERATED_get(r));
            ASN1_ENUMERATED_free(r);
        }
    }
    takeOpensslErrors();
    return o;
}

std::optional<Der> readCache(const fs::path& file, std::size_t max) {
    std::error_code ec;
    const auto size = fs::file_size(file, ec);
    if (ec || size == 0 || size > max) return std::nullopt;
    std::ifstream in(file, std::ios::binary);
    Der bytes(std::istreambuf_iterator<char>(in), {});
    if (!in.good() && !in.eof()) return std::nullopt;
    return bytes;
}

}  // namespace

std::vector<std::string> ocspUrls(X509* cert) {
    std::vector<std::string> out;
    STACK_OF(OPENSSL_STRING)* urls = X509_get1_ocsp(cert);
    for (int i = 0; urls && i < sk_OPENSSL_STRING_num(urls) && out.size() < 16; ++i) {
        std::string url = sk_OPENSSL_STRING_value(urls, i);
        if (url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0) out.push_back(url);
    }
    X509_email_free(urls);
    return out;
}

std::vector<std::string> crlUrls(X509* cert) {
    std::vector<std::string> out;
    auto* points = static_cast<STACK_OF(DIST_POINT)*>(
        X509_get_ext_d2i(cert, NID_crl_distribution_points, nullptr, nullptr));
    for (int i = 0; points && i < sk_DIST_POINT_num(points) && out.size() < 16; ++i) {
        DIST_POINT* dp = sk_DIST_POINT_value(points, i);
        if (!dp->distpoint || dp->distpoint->type != 0) continue;
        GENERAL_NAMES* names = dp->distpoint->name.fullname;
        for (int j = 0; j < sk_GENERAL_NAME_num(names); ++j) {
            GENERAL_NAME* n = sk_GENERAL_NAME_value(names, j);
            if (n->type != GEN_URI) continue;
            const auto* s = n->d.uniformResourceIdentifier;
            std::string url(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                            static_cast<size_t>(ASN1_STRING_length(s)));
            if (url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0) out.push_back(url);
        }
    }
    sk_DIST_POINT_pop_free(points, DIST_POINT_free);
    takeOpensslErrors();
    return out;
}

RevocationSettings revocationSettingsFrom(const config::Config& config,
                                          const std::filesystem::path& state_dir) {
    RevocationSettings s;
    s.online = config.getString("verify.revocation") != "offline";
    if (!state_dir.empty()) s.cache_dir = state_dir / "revocation";
    return s;
}

struct RevocationChecker::Impl {
    RevocationSettings& s;
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    std::map<std::string, Outcome> failed;

    http::Response fetch(const http::Request& request, std::size_t max) {
        http::ClientOptions o;
        o.connectTimeout = s.connect_timeout;
        o.timeout = s.timeout;
        o.maxResponseBytes = max;
        const bool secure = request.url.rfind("https://", 0) == 0;
        std::shared_ptr<http::HttpClient> client = secure ? s.secure : s.plain;
        if (!client) {
            // OCSP answers and CRLs are signed and checked end to end, and CAs publish them
            // over plain http:// (RFC 6960 appendix A, RFC 5280): the agent's one client lets
            // http:// through to any host, never with credentials (none are sent here).
            o.allowPlainHttpToAnyHost = !secure;
            client = std::make_shared<http::CurlClient>(o);
        }
        return client->perform(request);
    }

    // A network failure as a refusal with its reason. An address that failed is not asked
    // again by this checker (many signatures, one responder down: one timeout), and once the
    // time budget is spent nothing more is asked.
    template <typename F>
    Outcome online(const std::string& url, std::size_t max, F&& attempt) {
        if (auto it = failed.find(url); it != failed.end()) return it->second;
        if (std::chrono::steady_clock::now() - started > s.budget)
            return refused("timed_out",
                           fmt::format(fmt::runtime(_("the revocation checks took longer than {0} "
                                                      "s in all; try again later")),
                                       s.budget.count()));
        Outcome o;
        try {
            return attempt();
        } catch (const Error& e) {
            const auto too_large =
                fmt::format(fmt::runtime(_("the answer is larger than {0} bytes")), max);
            o = e.kind() == ErrorKind::Protocol && e.what() == too_large
                    ? refused("too_large", url + ": " + e.what())
                    : refused("unreachable",
                              fmt::format(fmt::runtime(_("{0} cannot be reached: {1}")), url,
                                          e.what()));
        }
        failed.emplace(url, o);
        return o;
    }

    // The cache holds at most kMaxCacheFiles answers: the oldest go first.
    void prune() const {
        constexpr std::size_t kMaxCacheFiles = 512;
        std::vector<std::pair<fs::file_time_type, fs::path>> files;
        std::error_code ec;
        for (fs::directory_iterator it(s.cache_dir, ec), end; !ec && it != end; it.increment(ec))
            if (it->is_regular_file(ec)) files.emplace_back(it->last_write_time(ec), it->path());
        if (files.size() <= kMaxCacheFiles) return;
        std::sort(files.begin(), files.end());
        for (std::size_t i = 0; i + kMaxCacheFiles < files.size(); ++i)
            fs::remove(files[i].second, ec);
    }

    fs::path cacheFile(const std::string& kind, std::span<const unsigned char> key) const {
        return s.cache_dir / (kind + "-" + sha256Hex(key) + ".der");
    }

    void store(const fs::path& file, const Der& bytes, const Outcome& o) {
        if (s.cache_dir.empty() || !o.next_update) return;  // kept until nextUpdate only
        try {
            std::error_code ec;
            fs::create_directories(s.cache_dir, ec);
            writeFileAtomically(file, bytes);
            prune();
        } catch (const Error& e) {
            log::warn("revocation", "cannot cache {}: {}", file.string(), e.what());
        }
    }
};

RevocationChecker::RevocationChecker(RevocationSettings settings)
    : settings_(std::move(settings)), impl_(std::make_unique<Impl>(Impl{settings_})) {}

RevocationChecker::~RevocationChecker() = default;

CertificateStatus RevocationChecker::check(X509* cert, X509* issuer,
                                           const pdf::ValidationMaterial& embedded, std::time_t now,
                                           std::optional<std::time_t> proven_existence) {
    CertificateStatus result;
    {
        char* subject = X509_NAME_oneline(X509_get_subject_name(cert), nullptr, 0);
        result.subject = subject ? subject : "";
        OPENSSL_free(subject);
        const ASN1_INTEGER* serial = X509_get0_serialNumber(cert);
        result.serial_hex = hex({serial->data, static_cast<size_t>(serial->length)});
    }
    const Window w{now, proven_existence, settings_.clock_skew};
    // The issuer and the certificates the document carries: a delegated responder's
    // certificate may be among them.
    X509StackPtr extra(sk_X509_new_null());
    X509_up_ref(issuer);
    sk_X509_push(extra.get(), issuer);
    for (const auto& der : embedded.certificates) {
        const unsigned char* p = der.data();
        if (X509* c = d2i_X509(nullptr, &p, static_cast<long>(der.size())))
            sk_X509_push(extra.get(), c);
    }
    takeOpensslErrors();

    std::optional<Outcome> first_embedded_failure, first_online_failure;
    auto decide = [&](const Outcome& o, std::string source, std::string url, Der evidence,
                      bool is_ocsp) {
        result.status = o.status;
        result.source = std::move(source);
        result.url = std::move(url);
        result.this_update = o.this_update;
        result.next_update = o.next_update;
        result.revoked_at = o.revoked_at;
        result.revocation_reason = o.revocation_reason;
        result.evidence = std::move(evidence);
        result.evidence_is_ocsp = is_ocsp;
        result.message =
            o.status == RevocationStatus::Good
                ? fmt::format(fmt::runtime(_("not revoked (revocation data of {0})")),
                              isoOf(o.this_update))
                : fmt::format(fmt::runtime(_("REVOKED on {0}{1}")), isoOf(o.revoked_at),
                              o.revocation_reason.empty() ? std::string()
                                                          : " (" + o.revocation_reason + ")");
        return result;
    };

    // 1. What the document carries.
    size_t tried = 0;
    for (const auto& der : embedded.ocsp_responses) {
        if (++tried > 64) break;
        auto o = checkOcsp(der, cert, issuer, nullptr, extra.get(), w);
        if (o.decided) return decide(o, "embedded-ocsp", {}, {}, true);
        if (o.reason != "wrong_certificate" && !first_embedded_failure) first_embedded_failure = o;
    }
    tried = 0;
    for (const auto& der : embedded.crls) {
        if (++tried > 64) break;
        auto o = checkCrl(der, cert, issuer, w, false);
        if (o.decided) return decide(o, "embedded-crl", {}, {}, false);
        if (o.reason != "wrong_issuer" && !first_embedded_failure) first_embedded_failure = o;
    }

    const auto ocsp = ocspUrls(cert);
    const auto crls = crlUrls(cert);
    const Der cert_der = derOf(cert);
    // 2. The cache, 3. the network: OCSP first (small, current), then the CRLs.
    for (size_t i = 0; i < ocsp.size() && i < settings_.max_urls; ++i) {
        const auto file = impl_->cacheFile("ocsp", cert_der);
        if (auto cached = readCache(file, settings_.max_ocsp_bytes)) {
            auto o = checkOcsp(*cached, cert, issuer, nullptr, extra.get(), w);
            if (o.decided) return decide(o, "cached-ocsp", ocsp[i], *cached, true);
        }
        if (!settings_.online) break;
        OcspRequestPtr request(OCSP_REQUEST_new());
        OCSP_CERTID* id = OCSP_cert_to_id(EVP_sha1(), cert, issuer);
        if (!request || !id || !OCSP_request_add0_id(request.get(), id) ||
            !OCSP_request_add1_nonce(request.get(), nullptr, -1)) {
            takeOpensslErrors();
            break;
        }
        const Der body = derOf<i2d_OCSP_REQUEST>(request.get());
        http::Request req;
        req.method = "POST";
        req.url = ocsp[i];
        req.contentType = "application/ocsp-request";
        req.body.assign(body.begin(), body.end());
        Der answer;
        auto o = impl_->online(ocsp[i], settings_.max_ocsp_bytes, [&] {
            auto resp = impl_->fetch(req, settings_.max_ocsp_bytes);
            if (resp.status != 200)
                return refused("http_status", fmt::format(fmt::runtime(_("{0} answered HTTP {1}")),
                                                          ocsp[i], resp.status));
            answer.assign(resp.body.begin(), resp.body.end());
            return checkOcsp(answer, cert, issuer, request.get(), extra.get(), w);
        });
        log::debug("revocation", "OCSP {} for {}: {}", ocsp[i], result.subject,
                   o.decided ? pdf::revocationStatusName(o.status) : o.reason);
        if (o.decided) {
            impl_->store(file, answer, o);
            return decide(o, "ocsp", ocsp[i], answer, true);
        }
        if (!first_online_failure) first_online_failure = o;
    }
    for (size_t i = 0; i < crls.size() && i < settings_.max_urls; ++i) {
        const auto file = impl_->cacheFile(
            "crl", {reinterpret_cast<const unsigned char*>(crls[i].data()), crls[i].size()});
        if (auto cached = readCache(file, settings_.max_crl_bytes)) {
            auto o = checkCrl(*cached, cert, issuer, w, false);
            if (o.decided) return decide(o, "cached-crl", crls[i], *cached, false);
        }
        if (!settings_.online) break;
        http::Request req;
        req.url = crls[i];
        Der answer;
        auto o = impl_->online(crls[i], settings_.max_crl_bytes, [&] {
            auto resp = impl_->fetch(req, settings_.max_crl_bytes);
            if (resp.status != 200)
                return refused("http_status", fmt::format(fmt::runtime(_("{0} answered HTTP {1}")),
                                                          crls[i], resp.status));
            answer.assign(resp.body.begin(), resp.body.end());
            return checkCrl(answer, cert, issuer, w, true);
        });
        log::debug("revocation", "CRL {} for {}: {}", crls[i], result.subject,
                   o.decided ? pdf::revocationStatusName(o.status) : o.reason);
        if (o.decided) {
            impl_->store(file, answer, o);
            return decide(o, "crl", crls[i], answer, false);
        }
        if (!first_online_failure) first_online_failure = o;
    }

    result.status = RevocationStatus::Unknown;
    if (first_online_failure) {
        result.reason = first_online_failure->reason;
        result.message = first_online_failure->message;
    } else if (first_embedded_failure) {
        result.reason = first_embedded_failure->reason;
        result.message = first_embedded_failure->message;
    } else if (ocsp.empty() && crls.empty()) {
        result.reason = "no_source";
        result.message =
            _("the certificate names no OCSP responder and no revocation list, and "
              "the document carries no revocation data for it");
    } else {
        result.reason = "offline";
        result.message =
            _("no revocation data is embedded or cached, and online checks are off "
              "([verify] revocation = \"offline\")");
    }
    return result;
}

}  // namespace certagent::signing
