// Raw Cryptoki rather than libp11: Debian 12's libp11 0.4.12 generates RSA keys only
// (PKCS11_generate_key; PKCS11_keygen with EC arrived in 0.4.13), and enroll must make EC
// P-256 keys too. The module is dlopen'ed, as every PKCS#11 consumer does.
#include "token_enroll.hpp"

#include "first_certificate.hpp"

#include <p11-kit/pkcs11.h>

#include <openssl/core_names.h>
#include <openssl/param_build.h>

#include <dlfcn.h>

#include <cstring>

namespace certagent::sandbox {

namespace {

std::string rvText(CK_RV rv) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "CKR 0x%08lX", static_cast<unsigned long>(rv));
    return buf;
}

void check(CK_RV rv, const std::string& what) {
    if (rv == CKR_OK) return;
    if (rv == CKR_PIN_INCORRECT)
        throw Error(ErrorKind::PinIncorrect, what + ": wrong PIN", "pkcs11");
    if (rv == CKR_PIN_LOCKED) throw Error(ErrorKind::PinLocked, what + ": PIN locked", "pkcs11");
    throw Error(ErrorKind::Token, what + " failed (" + rvText(rv) + ")", "pkcs11");
}

std::vector<unsigned char> fromHex(const std::string& hex) {
    if (hex.size() % 2) throw Error(ErrorKind::Usage, "--id must be an even number of hex digits");
    std::vector<unsigned char> out;
    for (size_t i = 0; i < hex.size(); i += 2)
        out.push_back(static_cast<unsigned char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    return out;
}

// One loaded module with one logged-in R/W session; closes and finalises on every path.
class Session {
  public:
    Session(const std::string& module, const std::string& token_label, const std::string& pin) {
        lib_ = dlopen(module.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (!lib_) throw Error(ErrorKind::Token, std::string("cannot load ") + dlerror(), module);
        auto get = reinterpret_cast<CK_C_GetFunctionList>(dlsym(lib_, "C_GetFunctionList"));
        if (!get) throw Error(ErrorKind::Token, "not a PKCS#11 module", module);
        check(get(&f_), "C_GetFunctionList");
        CK_C_INITIALIZE_ARGS args{};
        args.flags = CKF_OS_LOCKING_OK;
        check(f_->C_Initialize(&args), "C_Initialize");
        initialized_ = true;
        CK_ULONG count = 0;
        check(f_->C_GetSlotList(CK_TRUE, nullptr, &count), "C_GetSlotList");
        std::vector<CK_SLOT_ID> slots(count);
        check(f_->C_GetSlotList(CK_TRUE, slots.data(), &count), "C_GetSlotList");
        for (CK_ULONG i = 0; i < count; ++i) {
            CK_TOKEN_INFO info{};
            if (f_->C_GetTokenInfo(slots[i], &info) != CKR_OK) continue;
            std::string label(reinterpret_cast<char*>(info.label), sizeof info.label);
            label.erase(label.find_last_not_of(' ') + 1);
            if (label != token_label) continue;
            check(f_->C_OpenSession(slots[i], CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr,
                                    &session_),
                  "C_OpenSession");
            check(f_->C_Login(session_, CKU_USER,
                              reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(pin.data())),
                              pin.size()),
                  "C_Login");
            logged_in_ = true;
            return;
        }
        throw Error(ErrorKind::Token, "no token labelled '" + token_label + "'", module);
    }
    ~Session() {
        if (logged_in_) f_->C_Logout(session_);
        if (session_) f_->C_CloseSession(session_);
        if (initialized_) f_->C_Finalize(nullptr);
        if (lib_) dlclose(lib_);
    }
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    CK_FUNCTION_LIST* f() const { return f_; }
    CK_SESSION_HANDLE handle() const { return session_; }

    std::vector<unsigned char> attribute(CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_TYPE type) {
        CK_ATTRIBUTE a{type, nullptr, 0};
        check(f_->C_GetAttributeValue(session_, obj, &a, 1), "C_GetAttributeValue");
        std::vector<unsigned char> v(a.ulValueLen);
        a.pValue = v.data();
        check(f_->C_GetAttributeValue(session_, obj, &a, 1), "C_GetAttributeValue");
        return v;
    }

  private:
    void* lib_ = nullptr;
    CK_FUNCTION_LIST* f_ = nullptr;
    CK_SESSION_HANDLE session_ = 0;
    bool initialized_ = false;
    bool logged_in_ = false;
};

PKeyPtr publicKeyFromToken(Session& s, CK_OBJECT_HANDLE pub, bool ec) {
    using BldPtr = std::unique_ptr<OSSL_PARAM_BLD, OsslDeleter<OSSL_PARAM_BLD_free>>;
    using ParamPtr = std::unique_ptr<OSSL_PARAM, OsslDeleter<OSSL_PARAM_free>>;
    using CtxPtr = std::unique_ptr<EVP_PKEY_CTX, OsslDeleter<EVP_PKEY_CTX_free>>;
    BldPtr bld(OSSL_PARAM_BLD_new());
    std::vector<unsigned char> point;
    BnPtr n, e;
    if (ec) {
        // CKA_EC_POINT is a DER OCTET STRING around the uncompressed point (04 || X || Y).
        auto der = s.attribute(pub, CKA_EC_POINT);
        const unsigned char* p = der.data();
        using OctPtr = std::unique_ptr<ASN1_OCTET_STRING, OsslDeleter<ASN1_OCTET_STRING_free>>;
        OctPtr oct(d2i_ASN1_OCTET_STRING(nullptr, &p, static_cast<long>(der.size())));
        if (oct)
            point.assign(ASN1_STRING_get0_data(oct.get()),
                         ASN1_STRING_get0_data(oct.get()) + ASN1_STRING_length(oct.get()));
        else
            point = der;  // some modules return the raw point
        OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
        OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                         point.size());
    } else {
        auto mod = s.attribute(pub, CKA_MODULUS);
        auto exp = s.attribute(pub, CKA_PUBLIC_EXPONENT);
        n.reset(BN_bin2bn(mod.data(), static_cast<int>(mod.size()), nullptr));
        e.reset(BN_bin2bn(exp.data(), static_cast<int>(exp.size()), nullptr));
        OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get());
        OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get());
    }
    ParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
    CtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, ec ? "EC" : "RSA", nullptr));
    EVP_PKEY* key = nullptr;
    if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
        throwOpenssl("public key from token");
    return PKeyPtr(key);
}

template <class T>
std::vector<unsigned char> derOf(const T* obj, int (*i2d)(const T*, unsigned char**)) {
    int len = i2d(obj, nullptr);
    std::vector<unsigned char> out(static_cast<size_t>(len));
    unsigned char* p = out.data();
    i2d(obj, &p);
    return out;
}

}  // namespace

CertRecord enrollOnToken(const CaLayout& layout, const HolderInfo& holder, const Validity& validity,
                         const TokenEnrollOptions& o) {
    const bool ec = o.key_type == "ec256";
    if (!ec && o.key_type != "rsa2048") throw Error(ErrorKind::Usage, "--key is rsa2048 or ec256");
    Session s(o.module, o.token_label, o.pin);
    auto id = fromHex(o.object_id);
    std::string label = o.label;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_ULONG bits = 2048;
    unsigned char exponent[] = {0x01, 0x00, 0x01};
    unsigned char p256[] = {0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07};
    std::vector<CK_ATTRIBUTE> pub_t = {
        {CKA_TOKEN, &yes, sizeof yes},
        {CKA_VERIFY, &yes, sizeof yes},
        {CKA_ID, id.data(), id.size()},
        {CKA_LABEL, label.data(), label.size()},
    };
    if (ec) {
        pub_t.push_back({CKA_EC_PARAMS, p256, sizeof p256});
    } else {
        pub_t.push_back({CKA_MODULUS_BITS, &bits, sizeof bits});
        pub_t.push_back({CKA_PUBLIC_EXPONENT, exponent, sizeof exponent});
    }
    std::vector<CK_ATTRIBUTE> priv_t = {
        {CKA_TOKEN, &yes, sizeof yes},
        {CKA_PRIVATE, &yes, sizeof yes},
        {CKA_SENSITIVE, &yes, sizeof yes},
        {CKA_EXTRACTABLE, &no, sizeof no},
        {CKA_SIGN, &yes, sizeof yes},
        {CKA_ID, id.data(), id.size()},
        {CKA_LABEL, label.data(), label.size()},
    };
    CK_MECHANISM mech{ec ? CKM_EC_KEY_PAIR_GEN : CKM_RSA_PKCS_KEY_PAIR_GEN, nullptr, 0};
    CK_OBJECT_HANDLE pub = 0, priv = 0;
    check(s.f()->C_GenerateKeyPair(s.handle(), &mech, pub_t.data(), pub_t.size(), priv_t.data(),
                                   priv_t.size(), &pub, &priv),
          "C_GenerateKeyPair");
    try {
        auto key = publicKeyFromToken(s, pub, ec);
        return issueFirstCertificate(layout, holder, key.get(), validity, [&](X509* cert) {
            auto value = toDer(cert);
            auto subject = derOf(X509_get_subject_name(cert), i2d_X509_NAME);
            auto issuer = derOf(X509_get_issuer_name(cert), i2d_X509_NAME);
            auto serial = derOf(X509_get_serialNumber(cert), i2d_ASN1_INTEGER);
            CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
            CK_CERTIFICATE_TYPE type = CKC_X_509;
            CK_ATTRIBUTE t[] = {
                {CKA_CLASS, &cls, sizeof cls},
                {CKA_CERTIFICATE_TYPE, &type, sizeof type},
                {CKA_TOKEN, &yes, sizeof yes},
                {CKA_ID, id.data(), id.size()},
                {CKA_LABEL, label.data(), label.size()},
                {CKA_SUBJECT, subject.data(), subject.size()},
                {CKA_ISSUER, issuer.data(), issuer.size()},
                {CKA_SERIAL_NUMBER, serial.data(), serial.size()},
                {CKA_VALUE, value.data(), value.size()},
            };
            CK_OBJECT_HANDLE obj = 0;
            check(s.f()->C_CreateObject(s.handle(), t, sizeof t / sizeof t[0], &obj),
                  "C_CreateObject(certificate)");
        });
    } catch (...) {
        // Leave the token as it was: no orphan key pair from a failed enrolment.
        s.f()->C_DestroyObject(s.handle(), priv);
        s.f()->C_DestroyObject(s.handle(), pub);
        throw;
    }
}

}  // namespace certagent::sandbox
