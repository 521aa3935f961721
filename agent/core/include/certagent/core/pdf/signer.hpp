#pragma once
// Who signs: a certificate, its chain, and a way to sign a digest. The CMS around it is built
// by certagent (cades.hpp), so a signer only ever sees a hash: that is all a PKCS#11 token can
// be asked to do portably (SoftHSM 2.6.1, for one, rejects CKM_ECDSA_SHA256).
#include <certagent/core/pdf/ossl_ptr.hpp>

#include <cstdint>
#include <span>
#include <vector>

namespace certagent::pdf {

class Signer {
  public:
    virtual ~Signer() = default;

    // The signing certificate (borrowed; lives as long as the signer).
    virtual X509* certificate() = 0;
    // Intermediate (and optionally root) certificates to embed; may be nullptr.
    virtual STACK_OF(X509) * chain() { return nullptr; }
    // Signs a digest made with md_nid (e.g. NID_sha256). RSA keys: PKCS#1 v1.5 over the
    // DigestInfo; EC keys: a DER ECDSA-Sig-Value over the raw digest. Throws certagent::Error.
    virtual std::vector<uint8_t> signDigest(int md_nid, std::span<const uint8_t> digest) = 0;
};

// A signer around an EVP_PKEY: a software key, or libp11's EVP_PKEY whose private operations
// go to the token (PKCS11_get_private_key); the caller has logged in before signing.
class KeySigner final : public Signer {
  public:
    // Takes its own references on key, cert and every chain certificate.
    KeySigner(EVP_PKEY* key, X509* cert, const STACK_OF(X509) * chain = nullptr);

    X509* certificate() override { return cert_.get(); }
    STACK_OF(X509) * chain() override { return chain_.get(); }
    std::vector<uint8_t> signDigest(int md_nid, std::span<const uint8_t> digest) override;

  private:
    EvpPkeyPtr key_;
    X509Ptr cert_;
    X509StackPtr chain_;
};

}  // namespace certagent::pdf
