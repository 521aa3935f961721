#include "public_key.hpp"

#include <cstring>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>

namespace certagent::token::detail {

namespace {

struct ParamBld {
    OSSL_PARAM_BLD* p = OSSL_PARAM_BLD_new();
    ~ParamBld() { OSSL_PARAM_BLD_free(p); }
};

EvpPkeyPtr fromParams(const char* type, OSSL_PARAM* params) {
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
    EVP_PKEY* pkey = nullptr;
    if (ctx && EVP_PKEY_fromdata_init(ctx) == 1)
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    return EvpPkeyPtr(pkey);
}

EvpPkeyPtr rsaKey(const Bytes& modulus, const Bytes& exponent) {
    BIGNUM* n = BN_bin2bn(modulus.data(), static_cast<int>(modulus.size()), nullptr);
    BIGNUM* e = BN_bin2bn(exponent.data(), static_cast<int>(exponent.size()), nullptr);
    ParamBld bld;
    OSSL_PARAM* params = nullptr;
    if (n && e && OSSL_PARAM_BLD_push_BN(bld.p, OSSL_PKEY_PARAM_RSA_N, n) &&
        OSSL_PARAM_BLD_push_BN(bld.p, OSSL_PKEY_PARAM_RSA_E, e))
        params = OSSL_PARAM_BLD_to_param(bld.p);
    BN_free(n);
    BN_free(e);
    return params ? fromParams("RSA", params) : nullptr;
}

EvpPkeyPtr ecKey(const Bytes& ecParams, const Bytes& ecPoint) {
    const unsigned char* p = ecParams.data();
    ASN1_OBJECT* oid = d2i_ASN1_OBJECT(nullptr, &p, static_cast<long>(ecParams.size()));
    if (!oid) return nullptr;  // explicit curve parameters: not supported
    const char* group = OBJ_nid2sn(OBJ_obj2nid(oid));
    ASN1_OBJECT_free(oid);
    if (!group) return nullptr;
    // PKCS#11 wants CKA_EC_POINT as a DER OCTET STRING; some modules give the raw point.
    Bytes point = ecPoint;
    const unsigned char* q = ecPoint.data();
    if (ASN1_OCTET_STRING* os = d2i_ASN1_OCTET_STRING(nullptr, &q, static_cast<long>(ecPoint.size()))) {
        if (q == ecPoint.data() + ecPoint.size())
            point.assign(ASN1_STRING_get0_data(os), ASN1_STRING_get0_data(os) + ASN1_STRING_length(os));
        ASN1_OCTET_STRING_free(os);
    }
    ParamBld bld;
    if (!OSSL_PARAM_BLD_push_utf8_string(bld.p, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) ||
        !OSSL_PARAM_BLD_push_octet_string(bld.p, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()))
        return nullptr;
    OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld.p);
    return params ? fromParams("EC", params) : nullptr;
}

}  // namespace

EvpPkeyPtr publicKeyFromObject(const Session& session, CK_OBJECT_HANDLE obj) {
    auto a = session.attributes(obj, {CKA_KEY_TYPE, CKA_MODULUS, CKA_PUBLIC_EXPONENT,
                                      CKA_EC_PARAMS, CKA_EC_POINT});
    if (!a[0] || a[0]->size() != sizeof(CK_KEY_TYPE)) return nullptr;
    CK_KEY_TYPE type = 0;
    std::memcpy(&type, a[0]->data(), sizeof type);
    if (type == CKK_RSA && a[1] && a[2] && !a[1]->empty()) return rsaKey(*a[1], *a[2]);
    if (type == CKK_EC && a[3] && a[4] && !a[4]->empty()) return ecKey(*a[3], *a[4]);
    return nullptr;
}

}  // namespace certagent::token::detail
