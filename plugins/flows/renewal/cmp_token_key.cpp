// RSA_METHOD and EC_KEY_METHOD are deprecated in OpenSSL 3 in favour of providers; Debian 12's
// OpenSSL 3.0 has no PKCS#11 provider and libp11's engine uses these same methods.
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include "cmp_token_key.hpp"

#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <utility>

#include "failure.hpp"

namespace certagent::renewal::cmp {

struct TokenKey::State {
    DigestSigner signer;
    std::exception_ptr error;
    RSA_METHOD* rsaMethod = nullptr;
    EC_KEY_METHOD* ecMethod = nullptr;

    // Runs the signer; false (and the exception kept) when it threw.
    bool sign(int mdNid, const unsigned char* digest, std::size_t length, Bytes& out) noexcept {
        try {
            const char* name = OBJ_nid2sn(mdNid);
            if (!name) return false;
            std::string hash = name;  // "SHA256" -> "sha256"
            for (auto& c : hash) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            hash.erase(std::remove(hash.begin(), hash.end(), '-'), hash.end());
            out = signer(hash, std::span<const uint8_t>(digest, length));
            return !out.empty();
        } catch (...) {
            error = std::current_exception();
            return false;
        }
    }
};

namespace {

int rsaIndex() {
    static int index = RSA_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}
int ecIndex() {
    static int index = EC_KEY_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

int rsaSign(int type, const unsigned char* m, unsigned int length, unsigned char* sigret,
            unsigned int* siglen, const RSA* rsa) {
    auto* state = static_cast<TokenKey::State*>(RSA_get_ex_data(rsa, rsaIndex()));
    Bytes sig;
    if (!state || !state->sign(type, m, length, sig)) return 0;
    if (sig.size() > static_cast<std::size_t>(RSA_size(rsa))) return 0;
    std::memcpy(sigret, sig.data(), sig.size());
    *siglen = static_cast<unsigned int>(sig.size());
    return 1;
}

// The digest's NID from its length: ECDSA_sign is not told the hash, the token wants it only
// to name the call (it signs the digest as given, CKM_ECDSA).
int nidForLength(int length) {
    switch (length) {
        case 20:
            return NID_sha1;
        case 28:
            return NID_sha224;
        case 48:
            return NID_sha384;
        case 64:
            return NID_sha512;
        default:
            return NID_sha256;
    }
}

int ecSign(int /*type*/, const unsigned char* dgst, int dlen, unsigned char* sig,
           unsigned int* siglen, const BIGNUM* /*kinv*/, const BIGNUM* /*r*/, EC_KEY* eckey) {
    auto* state = static_cast<TokenKey::State*>(EC_KEY_get_ex_data(eckey, ecIndex()));
    Bytes der;
    if (!state || dlen <= 0 ||
        !state->sign(nidForLength(dlen), dgst, static_cast<std::size_t>(dlen), der))
        return 0;
    if (der.size() > static_cast<std::size_t>(ECDSA_size(eckey))) return 0;
    std::memcpy(sig, der.data(), der.size());
    *siglen = static_cast<unsigned int>(der.size());
    return 1;
}

ECDSA_SIG* ecSignSig(const unsigned char* dgst, int dlen, const BIGNUM* kinv, const BIGNUM* r,
                     EC_KEY* eckey) {
    Bytes der(static_cast<std::size_t>(ECDSA_size(eckey)));
    unsigned int n = 0;
    if (!ecSign(0, dgst, dlen, der.data(), &n, kinv, r, eckey)) return nullptr;
    const unsigned char* p = der.data();
    return d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(n));
}

}  // namespace

TokenKey::TokenKey(const Bytes& publicKeyDer, DigestSigner signer)
    : state_(std::make_unique<State>()) {
    state_->signer = std::move(signer);
    const unsigned char* p = publicKeyDer.data();
    const auto length = static_cast<long>(publicKeyDer.size());
    if (RSA* rsa = d2i_RSA_PUBKEY(nullptr, &p, length)) {
        state_->rsaMethod = RSA_meth_dup(RSA_get_default_method());
        RSA_meth_set1_name(state_->rsaMethod, "certagent token key");
        RSA_meth_set_sign(state_->rsaMethod, &rsaSign);
        RSA_set_method(rsa, state_->rsaMethod);
        RSA_set_ex_data(rsa, rsaIndex(), state_.get());
        pkey_ = EVP_PKEY_new();
        EVP_PKEY_assign_RSA(pkey_, rsa);
        return;
    }
    ERR_clear_error();
    p = publicKeyDer.data();
    if (EC_KEY* ec = d2i_EC_PUBKEY(nullptr, &p, length)) {
        state_->ecMethod = EC_KEY_METHOD_new(EC_KEY_get_default_method());
        EC_KEY_METHOD_set_sign(state_->ecMethod, &ecSign, nullptr, &ecSignSig);
        EC_KEY_set_method(ec, state_->ecMethod);
        EC_KEY_set_ex_data(ec, ecIndex(), state_.get());
        pkey_ = EVP_PKEY_new();
        EVP_PKEY_assign_EC_KEY(pkey_, ec);
        return;
    }
    ERR_clear_error();
    throw Failure(code::kInvalidInput, "the token key is neither RSA nor EC");
}

TokenKey::~TokenKey() {
    EVP_PKEY_free(pkey_);
    if (state_->rsaMethod) RSA_meth_free(state_->rsaMethod);
    if (state_->ecMethod) EC_KEY_METHOD_free(state_->ecMethod);
}

std::exception_ptr TokenKey::takeError() { return std::exchange(state_->error, nullptr); }

}  // namespace certagent::renewal::cmp
