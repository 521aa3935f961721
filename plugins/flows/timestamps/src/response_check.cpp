#include "response_check.hpp"

#include <openssl/x509v3.h>

#include <cctype>
#include <cstdlib>
#include <ctime>

#include "ossl.hpp"
#include "text.hpp"
#include "tsa_error.hpp"

namespace certagent::timestamps {
namespace {

using namespace ossl;

[[noreturn]] void fail(TsaFailure f, const std::string& message, const std::string& where) {
    ERR_clear_error();
    throw TsaError(f, message, where);
}

Owned<TS_RESP_free> parse(std::span<const uint8_t> der, const std::string& where) {
    const unsigned char* p = der.data();
    Owned<TS_RESP_free> resp(d2i_TS_RESP(nullptr, &p, static_cast<long>(der.size())));
    if (!resp || p != der.data() + der.size())
        fail(TsaFailure::Garbage,
             _("the timestamp service's answer is not an RFC 3161 timestamp response"), where);
    return resp;
}

std::string statusText(TS_STATUS_INFO* info) {
    std::string text;
    const auto* strings = TS_STATUS_INFO_get0_text(info);
    for (int i = 0; strings && i < sk_ASN1_UTF8STRING_num(strings); ++i) {
        const ASN1_UTF8STRING* s = sk_ASN1_UTF8STRING_value(strings, i);
        if (!text.empty()) text += "; ";
        text.append(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                    static_cast<std::size_t>(ASN1_STRING_length(s)));
    }
    static const std::pair<int, const char*> kFailInfo[] = {
        {TS_INFO_BAD_ALG, "badAlg"},
        {TS_INFO_BAD_REQUEST, "badRequest"},
        {TS_INFO_BAD_DATA_FORMAT, "badDataFormat"},
        {TS_INFO_TIME_NOT_AVAILABLE, "timeNotAvailable"},
        {TS_INFO_UNACCEPTED_POLICY, "unacceptedPolicy"},
        {TS_INFO_UNACCEPTED_EXTENSION, "unacceptedExtension"},
        {TS_INFO_ADD_INFO_NOT_AVAILABLE, "addInfoNotAvailable"},
        {TS_INFO_SYSTEM_FAILURE, "systemFailure"},
    };
    if (const ASN1_BIT_STRING* bits = TS_STATUS_INFO_get0_failure_info(info)) {
        for (const auto& [bit, name] : kFailInfo)
            if (ASN1_BIT_STRING_get_bit(bits, bit))
                text += std::string(text.empty() ? "" : " ") + "(" + name + ")";
    }
    return text;
}

bool mentionsQuota(const std::string& text) {
    std::string lower;
    for (char c : text)
        lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    return lower.find("quota") != std::string::npos;
}

void checkStatus(TS_RESP* resp, const std::string& where) {
    TS_STATUS_INFO* info = TS_RESP_get_status_info(resp);
    long status = info ? ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(info)) : -1;
    if (status == TS_STATUS_GRANTED || status == TS_STATUS_GRANTED_WITH_MODS) return;
    std::string text = info ? statusText(info) : std::string();
    if (mentionsQuota(text))
        fail(TsaFailure::QuotaExhausted,
             say(_("your timestamp quota is used up; buy more timestamps from your CA (\"Mărci "
                   "temporale\"). The service said: {0}"),
                 text),
             where);
    fail(TsaFailure::Rejected,
         say(_("the timestamp service refused the request (status {0}): {1}"), status,
             text.empty() ? "-" : text),
         where);
}

X509* signerCertificate(PKCS7* token, const std::string& where) {
    if (!token || !PKCS7_type_is_signed(token) || !token->d.sign)
        fail(TsaFailure::Garbage, _("the timestamp response holds no signed token"), where);
    STACK_OF(X509)* signers = PKCS7_get0_signers(token, nullptr, 0);
    X509* signer = signers && sk_X509_num(signers) == 1 ? sk_X509_value(signers, 0) : nullptr;
    sk_X509_free(signers);
    if (!signer)
        fail(TsaFailure::MissingCertificate,
             _("the timestamp service did not include its certificate, so the timestamp cannot "
               "be checked"),
             where);
    return signer;
}

void checkTimestampUsage(X509* signer, const std::string& where) {
    bool has_eku = (X509_get_extension_flags(signer) & EXFLAG_XKUSAGE) != 0;
    bool only_ts = has_eku && X509_get_extended_key_usage(signer) == XKU_TIMESTAMP;
    int idx = X509_get_ext_by_NID(signer, NID_ext_key_usage, -1);
    bool critical = idx >= 0 && X509_EXTENSION_get_critical(X509_get_ext(signer, idx)) == 1;
    if (!only_ts || !critical)
        fail(TsaFailure::NotTsaCertificate,
             say(_("the certificate that signed the timestamp ({0}) is not a timestamping "
                   "certificate: it lacks the critical extended key usage timeStamping"),
                 nameText(X509_get_subject_name(signer))),
             where);
}

void checkChain(X509* signer, PKCS7* token, X509_STORE* anchors, const std::string& where) {
    Owned<X509_STORE_CTX_free> ctx(X509_STORE_CTX_new());
    if (!ctx || X509_STORE_CTX_init(ctx.get(), anchors, signer, token->d.sign->cert) != 1)
        fail(TsaFailure::UntrustedTsa,
             std::string(_("cannot check the TSA certificate: ")) + takeErrors(), where);
    X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_TIMESTAMP_SIGN);
    if (X509_verify_cert(ctx.get()) != 1) {
        int err = X509_STORE_CTX_get_error(ctx.get());
        fail(TsaFailure::UntrustedTsa,
             say(_("the timestamp service's certificate ({0}) is not trusted: {1}. Check "
                   "[timestamps] ca_bundle"),
                 nameText(X509_get_subject_name(signer)), X509_verify_cert_error_string(err)),
             where);
    }
}

}  // namespace

std::vector<uint8_t> tokenFromResponse(std::span<const uint8_t> der_response) {
    auto resp = parse(der_response, {});
    PKCS7* token = TS_RESP_get_token(resp.get());
    if (!token)
        fail(TsaFailure::Garbage, _("the timestamp response holds no signed token"), {});
    unsigned char* out = nullptr;
    int n = i2d_PKCS7(token, &out);
    if (n <= 0) fail(TsaFailure::Garbage, takeErrors(), {});
    std::vector<uint8_t> der(out, out + n);
    OPENSSL_free(out);
    return der;
}

int imprintAlgorithm(std::span<const uint8_t> der_response) {
    auto resp = parse(der_response, {});
    TS_TST_INFO* tst = TS_RESP_get_tst_info(resp.get());
    if (!tst)
        fail(TsaFailure::Garbage, _("the timestamp response holds no signed token"), {});
    X509_ALGOR* algo = TS_MSG_IMPRINT_get_algo(TS_TST_INFO_get_msg_imprint(tst));
    const ASN1_OBJECT* obj = nullptr;
    X509_ALGOR_get0(&obj, nullptr, nullptr, algo);
    return OBJ_obj2nid(obj);
}

TokenInfo checkResponse(std::span<const uint8_t> der_response, const Expectation& expected,
                        X509_STORE* anchors, const std::string& where) {
    auto resp = parse(der_response, where);
    checkStatus(resp.get(), where);
    PKCS7* token = TS_RESP_get_token(resp.get());
    TS_TST_INFO* tst = TS_RESP_get_tst_info(resp.get());
    if (!token || !tst)
        fail(TsaFailure::Garbage, _("the timestamp response holds no signed token"), where);

    if (expected.nonce) {
        const ASN1_INTEGER* got = TS_TST_INFO_get_nonce(tst);
        Owned<BN_free> want(
            BN_bin2bn(expected.nonce->data(), static_cast<int>(expected.nonce->size()), nullptr));
        Owned<BN_free> have(got ? ASN1_INTEGER_to_BN(got, nullptr) : nullptr);
        if (!have || BN_cmp(want.get(), have.get()) != 0)
            fail(TsaFailure::WrongNonce,
                 _("the timestamp answer does not belong to this request (wrong nonce): it may "
                   "be replayed or forged; nothing was saved"),
                 where);
    }

    TS_MSG_IMPRINT* mi = TS_TST_INFO_get_msg_imprint(tst);
    const ASN1_OBJECT* algo_obj = nullptr;
    X509_ALGOR_get0(&algo_obj, nullptr, nullptr, TS_MSG_IMPRINT_get_algo(mi));
    ASN1_OCTET_STRING* digest = TS_MSG_IMPRINT_get_msg(mi);
    std::vector<uint8_t> imprint(ASN1_STRING_get0_data(digest),
                                 ASN1_STRING_get0_data(digest) + ASN1_STRING_length(digest));
    if (OBJ_obj2nid(algo_obj) != expected.mdNid || imprint != expected.imprint)
        fail(TsaFailure::WrongImprint,
             _("the timestamp covers other data than the file (wrong message imprint); nothing "
               "was saved"),
             where);

    std::string policy;
    if (const ASN1_OBJECT* p = TS_TST_INFO_get_policy_id(tst)) {
        char buf[128] = {};
        OBJ_obj2txt(buf, sizeof buf, p, 1);
        policy = buf;
    }
    if (!expected.policyOid.empty() && policy != expected.policyOid)
        fail(TsaFailure::WrongPolicy,
             say(_("the timestamp was issued under policy {0}, not the requested {1}"), policy,
                 expected.policyOid),
             where);

    X509* signer = signerCertificate(token, where);
    checkTimestampUsage(signer, where);
    checkChain(signer, token, anchors, where);
    X509* verified_signer = nullptr;
    if (TS_RESP_verify_signature(token, nullptr, anchors, &verified_signer) != 1) {
        X509_free(verified_signer);
        fail(TsaFailure::BadSignature,
             std::string(_("the timestamp's signature does not verify: ")) + takeErrors(), where);
    }
    X509_free(verified_signer);

    TokenInfo info;
    info.genTimeEpoch = epochOf(TS_TST_INFO_get_time(tst));
    info.genTime = isoTime(info.genTimeEpoch);
    info.serialHex = asn1IntegerHex(TS_TST_INFO_get_serial(tst));
    info.tsaSubject = nameText(X509_get_subject_name(signer));
    info.policyOid = policy;
    info.hashAlgorithm = OBJ_nid2sn(OBJ_obj2nid(algo_obj));
    for (auto& c : info.hashAlgorithm)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    info.imprint = std::move(imprint);

    if (expected.now) {
        auto skew = std::llabs(static_cast<long long>(info.genTimeEpoch) -
                               static_cast<long long>(*expected.now));
        if (info.genTimeEpoch == 0 || skew > expected.maxClockSkew.count())
            fail(TsaFailure::ClockSkew,
                 say(_("the timestamp's time {0} is more than {1} seconds away from this "
                       "computer's clock ({2}); check the clock, nothing was saved"),
                     info.genTime, static_cast<long long>(expected.maxClockSkew.count()),
                     isoTime(*expected.now)),
                 where);
    }
    return info;
}

}  // namespace certagent::timestamps
