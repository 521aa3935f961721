// After a renewal: the person's choice about the renewed (old) certificate, journalled, and
// its removal from the token when they ask for it (engine.hpp, removeOld / keepOld).
//
// Why this order: the journal says "removing" before anything is deleted; the key pair goes
// first and the certificate last, so until the end the certificate stays listed under its id
// with the DER the journal kept. A kill -9 anywhere leaves one of: nothing deleted, the key
// pair gone but the certificate there (removeOld again deletes the rest), or everything gone
// with the journal still at "removing" (removeOld again only records it).
#include <fmt/format.h>
#include <openssl/x509.h>
#include <certagent/sdk/plugin.hpp>

#include <memory>

#include "engine_impl.hpp"
#include "fault.hpp"

namespace certagent::renewal {
namespace {

// SubjectPublicKeyInfo of a certificate (DER), empty when it cannot be read.
Bytes publicKeyOf(const Bytes& certDer) {
    const unsigned char* p = certDer.data();
    std::unique_ptr<X509, decltype(&X509_free)> cert(
        d2i_X509(nullptr, &p, static_cast<long>(certDer.size())), &X509_free);
    if (!cert) return {};
    int n = i2d_PUBKEY(X509_get0_pubkey(cert.get()), nullptr);
    if (n <= 0) return {};
    Bytes out(static_cast<std::size_t>(n));
    unsigned char* q = out.data();
    i2d_PUBKEY(X509_get0_pubkey(cert.get()), &q);
    return out;
}

// The DER of every certificate object under `id` on the token (several when ids repeat).
std::vector<Bytes> certificatesUnder(sdk::Host& host, const std::string& token,
                                     const std::string& id) {
    std::vector<Bytes> out;
    for (const auto& c : host.certificates({{"token", token}}))
        if (c.value("id", std::string()) == id && c.contains("der") && c["der"].is_string())
            out.push_back(fromBase64(c["der"].get<std::string>()));
    return out;
}

[[noreturn]] void refuse(const std::string& why, const std::string& id) {
    throw Failure(code::kState, why + " " + _("Nothing was removed from the token."), id);
}

}  // namespace

RenewalRecord Engine::removeOld(const std::string& id) {
    std::lock_guard lock(impl_->mutex);
    auto& journal = impl_->journal;
    auto rec = journal.load(id, false);
    if (!rec) throw Failure(code::kUsage, _("no such renewal"), id);
    if (rec->oldCertificate == OldCertificate::Removed) return *rec;
    if (rec->state != State::Done || rec->oldCertificate == OldCertificate::NotOffered)
        refuse(_("The old certificate is removed only after its renewal has installed and "
                 "verified the new one."),
               id);
    const auto oldPem = journal.value(id, "old_cert_pem").value_or("");
    const auto newPem = journal.value(id, "cert_pem").value_or("");
    if (oldPem.empty() || newPem.empty() || rec->candidateKeyId.empty() ||
        rec->candidateKeyId == rec->certId)
        refuse(_("The renewal's journal does not say which certificate it replaced."), id);
    const Bytes oldDer = pemToDer(oldPem), newDer = pemToDer(newPem);

    if (!impl_->live || impl_->live->id != id) {
        impl_->live = std::make_unique<Impl::Live>();
        impl_->live->id = id;
    }
    auto& live = *impl_->live;
    struct Release {  // outside run(), no session stays open
        Impl& impl;
        ~Release() {
            if (!impl.runDepth) impl.live.reset();
        }
    } release{*impl_};
    try {
        auto& session = impl_->session(live, *rec);
        // The new certificate, exactly as verified, with its key on the token.
        auto installed = certificatesUnder(impl_->host, rec->token, rec->candidateKeyId);
        if (installed.size() != 1 || installed.front() != newDer)
            refuse(fmt::format(fmt::runtime(_("The new certificate is not on the token under id "
                                              "{0} as it was verified.")),
                               rec->candidateKeyId),
                   id);
        if (session.publicKey(rec->candidateKeyId) != publicKeyOf(newDer))
            refuse(_("The key of the new certificate is not on the token."), id);
        const auto facts = impl_->describe(newDer);
        const auto now = impl_->host.nowMs();
        if (now < facts.notBeforeMs || now >= facts.notAfterMs)
            refuse(_("The new certificate is not valid now."), id);

        // The old one: only the certificate this renewal replaced, never a namesake.
        auto old = certificatesUnder(impl_->host, rec->token, rec->certId);
        if (old.empty()) {
            if (rec->oldCertificate != OldCertificate::Removing)
                refuse(fmt::format(fmt::runtime(_("There is no certificate with id {0} on the "
                                                  "token any more.")),
                                   rec->certId),
                       id);
            // Killed after the certificate went: only the record is left to write.
        } else {
            for (const auto& der : old)
                if (der != oldDer)
                    refuse(fmt::format(fmt::runtime(_("The certificate with id {0} on the token "
                                                      "is not the one this renewal replaced.")),
                                       rec->certId),
                           id);
            if (rec->oldCertificate != OldCertificate::Removing) {
                rec->oldCertificate = OldCertificate::Removing;
                rec->message = _("Removing the old certificate and its key from the token.");
                journal.stepEvent(*rec, Step::Done, "old_certificate", "removing", rec->certId);
                impl_->publish(*rec);
            }
            faultPoint("remove_old");
            session.deleteObjects(rec->certId, {"private_key", "public_key"});
            faultPoint("remove_old:keys");
            // The host checks the DER again under the token's lock, and deletes the rest.
            session.deleteCertificate(rec->certId, oldDer);
            faultPoint("remove_old:after");
        }
    } catch (const sdk::HostError& e) {
        throw fromHost(e);
    }
    rec->oldCertificate = OldCertificate::Removed;
    rec->message = _("The old certificate and its key were removed from the token.");
    journal.stepEvent(*rec, Step::Done, "old_certificate", "removed", rec->certId);
    impl_->publish(*rec);
    return *rec;
}

RenewalRecord Engine::keepOld(const std::string& id) {
    std::lock_guard lock(impl_->mutex);
    auto rec = impl_->journal.load(id, false);
    if (!rec) throw Failure(code::kUsage, _("no such renewal"), id);
    if (rec->oldCertificate == OldCertificate::Kept) return *rec;
    if (rec->oldCertificate == OldCertificate::Removing ||
        rec->oldCertificate == OldCertificate::Removed)
        throw Failure(code::kState,
                      _("The removal of the old certificate has started; it can only be "
                        "finished."),
                      id);
    if (rec->state != State::Done || rec->oldCertificate != OldCertificate::Offered)
        throw Failure(code::kState, _("This renewal has made no offer about the old certificate."),
                      id);
    rec->oldCertificate = OldCertificate::Kept;
    rec->message = _("The old certificate stays on the token.");
    impl_->journal.stepEvent(*rec, Step::Done, "old_certificate", "kept", rec->certId);
    impl_->publish(*rec);
    return *rec;
}

RenewalRecord Engine::settleOldCertificate(const RenewalRecord& r, OldCertificateChoice choice) {
    if (r.oldCertificate != OldCertificate::Offered && r.oldCertificate != OldCertificate::Removing)
        return r;
    // An interrupted removal was asked for already: it is finished, not asked again.
    if (r.oldCertificate == OldCertificate::Removing) choice = OldCertificateChoice::Remove;
    if (choice == OldCertificateChoice::Ask) {
        switch (impl_->prompter->removeOldCertificate(r)) {
            case Answer::Yes:
                choice = OldCertificateChoice::Remove;
                break;
            case Answer::No:
                choice = OldCertificateChoice::Keep;
                break;
            case Answer::Later:
                choice = OldCertificateChoice::Offer;
                break;
        }
    }
    if (choice == OldCertificateChoice::Offer) return r;
    try {
        return choice == OldCertificateChoice::Remove ? removeOld(r.id) : keepOld(r.id);
    } catch (const Failure& f) {
        // The renewal itself is done; what stopped the removal is said, the offer stays.
        auto now = impl_->journal.load(r.id, false).value_or(r);
        now.message = f.describe();
        now.errorCode = f.code();
        return now;
    }
}

}  // namespace certagent::renewal
