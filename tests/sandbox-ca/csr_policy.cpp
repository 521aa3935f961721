#include "csr_policy.hpp"

#include "api_error.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>

namespace certagent::sandbox {

namespace {
std::string curveName(EVP_PKEY* key) {
    char name[64] = {};
    size_t len = 0;
    if (!EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name, &len))
        return {};
    return name;
}
}  // namespace

std::string describeKey(EVP_PKEY* key) {
    switch (EVP_PKEY_get_base_id(key)) {
        case EVP_PKEY_RSA:
            return "rsa" + std::to_string(EVP_PKEY_get_bits(key));
        case EVP_PKEY_EC:
            return "ec-" + curveName(key);
        default:
            return OBJ_nid2sn(EVP_PKEY_get_base_id(key));
    }
}

X509ReqPtr checkRenewalCsr(const std::string& pem, X509* renewed) {
    X509ReqPtr req;
    try {
        req = csrFromPem(pem);
    } catch (const Error&) {
        throw ApiError(422, "CSR_INVALID", "csr_pem is not a PEM PKCS#10 certificate request");
    }
    EVP_PKEY* key = X509_REQ_get0_pubkey(req.get());
    if (!key) throw ApiError(422, "CSR_INVALID", "the CSR has no usable public key");
    // Proof of possession: the request is signed with the private key it certifies.
    if (X509_REQ_verify(req.get(), key) != 1) {
        ERR_clear_error();
        throw ApiError(422, "CSR_SIGNATURE_INVALID",
                       "the CSR's signature does not verify with its own public key");
    }
    const auto described = describeKey(key);
    const nlohmann::json allowed = {"rsa2048 or larger (up to 4096)", "ec-P-256", "ec-P-384"};
    bool ok = false;
    if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA) {
        int bits = EVP_PKEY_get_bits(key);
        ok = bits >= 2048 && bits <= 4096;
    } else if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC) {
        auto curve = curveName(key);
        ok = curve == "P-256" || curve == "P-384" || curve == "prime256v1" || curve == "secp384r1";
    }
    if (!ok)
        throw ApiError(422, "CSR_KEY_REJECTED", "key type or size not allowed: " + described,
                       {{"key", described}, {"allowed", allowed}});
    if (EVP_PKEY_eq(key, X509_get0_pubkey(renewed)) == 1)
        throw ApiError(422, "CSR_KEY_REUSED",
                       "a renewal needs a new key pair; the CSR reuses the current key");
    if (X509_NAME_cmp(X509_REQ_get_subject_name(req.get()), X509_get_subject_name(renewed)) != 0)
        throw ApiError(422, "CSR_SUBJECT_MISMATCH",
                       "the CSR's subject must equal the renewed certificate's subject",
                       {{"expected", nameOneLine(X509_get_subject_name(renewed))},
                        {"got", nameOneLine(X509_REQ_get_subject_name(req.get()))}});
    ERR_clear_error();
    return req;
}

}  // namespace certagent::sandbox
