#pragma once
// A pdf::Signer (and CMS signer) backed by a certificate and its private key on a token:
// opens the token, logs in once through the PIN callback, and signs digests on the token.
// Used by `certagent-cli sign`, the renewal's declaration, the local signing server and TLS
// client authentication.
#include <memory>
#include <string>
#include <vector>

#include "certagent/core/pdf/signer.hpp"
#include "certagent/core/token/token_service.hpp"

namespace certagent::signing {

class TokenSigner final : public pdf::Signer {
public:
    // Throws: TokenRemoved (retryable) when the token is absent, InvalidInput when no
    // certificate has that id or it has no private key, PinIncorrect/PinLocked/Cancelled from
    // the login. `anchors_pem` (optional) adds issuer certificates for the chain.
    TokenSigner(token::TokenService& service, const std::string& serial,
                const token::Bytes& cert_id, const token::PinCallback& ask_pin,
                const std::string& anchors_pem = {});
    // Over a session the caller keeps open (and may have logged in already: then no PIN is
    // asked). The session must outlive the signer.
    TokenSigner(token::TokenSession& session, const token::Bytes& cert_id,
                const token::PinCallback& ask_pin, const std::string& anchors_pem = {});
    ~TokenSigner() override;

    X509* certificate() override;
    STACK_OF(X509) * chain() override;
    std::vector<uint8_t> signDigest(int md_nid, std::span<const uint8_t> digest) override;

    EVP_PKEY* privateKey();
    token::TokenSession& session() { return *session_; }
    const token::Bytes& certificateId() const { return cert_id_; }

private:
    void init(const std::string& serial, const token::PinCallback& ask_pin,
              const std::string& anchors_pem);
    std::unique_ptr<token::TokenSession> owned_session_;
    token::TokenSession* session_ = nullptr;
    token::Bytes cert_id_;
    std::unique_ptr<pdf::KeySigner> signer_;
};

// Issuer chain of `leaf` (without the leaf) from `pool`, nearest issuer first, stopping at a
// self-signed certificate or when no issuer is found.
std::vector<X509*> buildChain(X509* leaf, const std::vector<X509*>& pool);

}  // namespace certagent::signing
