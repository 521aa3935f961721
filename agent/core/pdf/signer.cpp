#include <certagent/core/error.hpp>
#include <certagent/core/i18n.hpp>
#include <certagent/core/pdf/signer.hpp>

#include <fmt/format.h>
#include <openssl/rsa.h>

namespace certagent::pdf {

KeySigner::KeySigner(EVP_PKEY* key, X509* cert, const STACK_OF(X509) * chain)
    : chain_(copyCertStack(chain)) {
    if (!key || !cert) throw Error(ErrorKind::Usage, "KeySigner needs a key and a certificate");
    EVP_PKEY_up_ref(key);
    key_.reset(key);
    X509_up_ref(cert);
    cert_.reset(cert);
}

std::vector<uint8_t> KeySigner::signDigest(int md_nid, std::span<const uint8_t> digest) {
    const EVP_MD* md = EVP_get_digestbynid(md_nid);
    EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new(key_.get(), nullptr));
    bool ok = md && ctx && EVP_PKEY_sign_init(ctx.get()) > 0;
    // For RSA the md makes OpenSSL (or the token's RSA method) wrap the hash in a DigestInfo.
    if (ok && EVP_PKEY_get_base_id(key_.get()) == EVP_PKEY_RSA)
        ok = EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) > 0;
    if (ok) ok = EVP_PKEY_CTX_set_signature_md(ctx.get(), md) > 0;
    size_t len = 0;
    if (ok) ok = EVP_PKEY_sign(ctx.get(), nullptr, &len, digest.data(), digest.size()) > 0;
    std::vector<uint8_t> sig(len);
    if (ok) ok = EVP_PKEY_sign(ctx.get(), sig.data(), &len, digest.data(), digest.size()) > 0;
    if (!ok) {
        throw Error(
            ErrorKind::Token,
            fmt::format(fmt::runtime(_("The key refused to sign ({0}).")), takeOpensslErrors()),
            "pdf.sign");
    }
    sig.resize(len);
    return sig;
}

}  // namespace certagent::pdf
