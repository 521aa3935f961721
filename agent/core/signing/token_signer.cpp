#include "certagent/core/signing/token_signer.hpp"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/pdf/ossl_ptr.hpp"

namespace certagent::signing {
namespace {

pdf::X509Ptr fromDer(const token::Bytes& der) {
    const unsigned char* p = der.data();
    return pdf::X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

std::vector<pdf::X509Ptr> fromPem(const std::string& pem) {
    std::vector<pdf::X509Ptr> out;
    if (pem.empty()) return out;
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(),
                                                                  static_cast<int>(pem.size())),
                                                  &BIO_free);
    while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr))
        out.emplace_back(x);
    ERR_clear_error();
    return out;
}

}  // namespace

std::vector<X509*> buildChain(X509* leaf, const std::vector<X509*>& pool) {
    std::vector<X509*> chain;
    X509* current = leaf;
    for (std::size_t depth = 0; depth < 8; ++depth) {
        if (X509_check_issued(current, current) == X509_V_OK) break;  // self-signed
        X509* issuer = nullptr;
        for (X509* candidate : pool)
            if (candidate != current && X509_check_issued(candidate, current) == X509_V_OK) {
                issuer = candidate;
                break;
            }
        if (!issuer) break;
        chain.push_back(issuer);
        current = issuer;
    }
    return chain;
}

TokenSigner::TokenSigner(token::TokenService& service, const std::string& serial,
                         const token::Bytes& cert_id, const token::PinCallback& ask_pin,
                         const std::string& anchors_pem)
    : owned_session_(service.open(serial)), session_(owned_session_.get()), cert_id_(cert_id) {
    init(serial, ask_pin, anchors_pem);
}

TokenSigner::TokenSigner(token::TokenSession& session, const token::Bytes& cert_id,
                         const token::PinCallback& ask_pin, const std::string& anchors_pem)
    : session_(&session), cert_id_(cert_id) {
    init(session.token().serial, ask_pin, anchors_pem);
}

void TokenSigner::init(const std::string& serial, const token::PinCallback& ask_pin,
                       const std::string& anchors_pem) {
    const auto& cert_id = cert_id_;
    // Find the certificate before asking for a PIN: a typo in the id must not cost a try.
    std::vector<pdf::X509Ptr> owned;
    X509* leaf = nullptr;
    auto key = token::KeyPresence::Absent;
    for (const auto& c : session_->certificates()) {
        if (!c.info) continue;
        auto x = fromDer(c.info->der);
        if (!x) continue;
        if (c.id == cert_id) {
            leaf = x.get();
            key = c.privateKey;
        }
        owned.push_back(std::move(x));
    }
    if (!leaf)
        throw Error(ErrorKind::InvalidInput,
                    fmt::format(fmt::runtime(_("no certificate with id {0} on token {1}")),
                                token::toHex(cert_id), serial));
    auto noKey = [&] {
        return Error(ErrorKind::InvalidInput,
                     fmt::format(fmt::runtime(_("the certificate {0} on token {1} has no private "
                                                "key on the token; it cannot sign")),
                                 token::toHex(cert_id), serial));
    };
    if (key == token::KeyPresence::Absent) throw noKey();
    for (auto& x : fromPem(anchors_pem)) owned.push_back(std::move(x));
    std::vector<X509*> pool;
    for (auto& x : owned) pool.push_back(x.get());
    auto chain_certs = buildChain(leaf, pool);
    pdf::X509StackPtr chain(sk_X509_new_null());
    for (X509* c : chain_certs) {
        X509_up_ref(c);
        sk_X509_push(chain.get(), c);
    }
    if (!session_->loggedIn()) session_->login(ask_pin);
    if (key == token::KeyPresence::UnknownUntilLogin) {
        // Private objects are visible now: look for the key by CKA_ID before using it.
        bool found = false;
        for (const auto& c : session_->certificates())
            if (c.id == cert_id) found = c.privateKey == token::KeyPresence::Present;
        if (!found) throw noKey();
    }
    EVP_PKEY* private_key = session_->privateKey(cert_id);
    signer_ = std::make_unique<pdf::KeySigner>(private_key, leaf, chain.get());
}

TokenSigner::~TokenSigner() = default;

X509* TokenSigner::certificate() { return signer_->certificate(); }
STACK_OF(X509) * TokenSigner::chain() { return signer_->chain(); }
EVP_PKEY* TokenSigner::privateKey() { return session_->privateKey(cert_id_); }

std::vector<uint8_t> TokenSigner::signDigest(int md_nid, std::span<const uint8_t> digest) {
    auto lock = session_->lock();
    return signer_->signDigest(md_nid, digest);
}

}  // namespace certagent::signing
