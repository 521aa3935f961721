#include "certificate_reader.hpp"

#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"
#include "certagent/core/token/certificate_parser.hpp"

#include <set>

namespace certagent::token::detail {

namespace {

std::set<Bytes> keyIds(const Session& session, CK_OBJECT_CLASS cls) {
    std::set<Bytes> ids;
    for (auto obj : session.find({attrOf(CKA_CLASS, cls)}))
        if (auto id = session.attribute(obj, CKA_ID)) ids.insert(*id);
    return ids;
}

}  // namespace

std::vector<TokenCertificate> readCertificates(const Session& session, const TokenInfo& token) {
    const CK_OBJECT_CLASS certClass = CKO_CERTIFICATE;
    const CK_CERTIFICATE_TYPE x509 = CKC_X_509;
    auto objects = session.find({attrOf(CKA_CLASS, certClass), attrOf(CKA_CERTIFICATE_TYPE, x509)});

    // Before login private keys are hidden; a token keeps a public key object per key pair,
    // so that is the next best witness that the certificate's private key is there.
    auto privateIds = keyIds(session, CKO_PRIVATE_KEY);
    auto publicIds = keyIds(session, CKO_PUBLIC_KEY);
    bool loggedIn = session.state() == CKS_RO_USER_FUNCTIONS ||
                    session.state() == CKS_RW_USER_FUNCTIONS;

    std::vector<TokenCertificate> out;
    out.reserve(objects.size());
    for (auto obj : objects) {
        auto attrs = session.attributes(obj, {CKA_ID, CKA_LABEL, CKA_VALUE});
        TokenCertificate c;
        c.tokenSerial = token.serial;
        c.tokenLabel = token.label;
        if (attrs[0]) c.id = *attrs[0];
        if (attrs[1]) c.label.assign(attrs[1]->begin(), attrs[1]->end());
        if (privateIds.count(c.id) || (!loggedIn && publicIds.count(c.id)))
            c.privateKey = KeyPresence::Present;
        else
            c.privateKey = loggedIn ? KeyPresence::Absent : KeyPresence::UnknownUntilLogin;
        c.hasPrivateKey = c.privateKey == KeyPresence::Present;
        if (!attrs[2] || attrs[2]->empty()) {
            c.error = _("The certificate object has no value");
        } else {
            try {
                c.info = parseCertificate(*attrs[2]);
            } catch (const Error& e) {
                c.error = e.what();
            }
        }
        if (!c.error.empty())
            log::warn("token", "token {} certificate object id={} label='{}': {}", token.serial,
                      toHex(c.id), c.label, c.error);
        out.push_back(std::move(c));
    }
    return out;
}

}  // namespace certagent::token::detail
