// PIN change (C_SetPIN), PIN unblock (SO login + C_InitPIN) and certificate deletion on one
// token. Each spends at most the one try the user asked for: the flags are read first, a
// blocked PIN is refused without a call that could count as a try, and nothing is retried.
#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"
#include "certagent/core/token/token_service.hpp"
#include "cryptoki.hpp"

#include <fmt/format.h>

namespace certagent::token {

using namespace detail;

namespace {

CK_UTF8CHAR_PTR pinBytes(const SecretString& pin) {
    return reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(pin.c_str()));
}

// What the flags say after a wrong entry of `what` ("PIN", "SO PIN", ...).
std::string triesAfterWrong(const PinFlags& after, const std::string& what) {
    if (after.locked)
        return fmt::format(fmt::runtime(_("The {0} is now blocked.")), what);
    if (after.finalTry)
        return fmt::format(fmt::runtime(_("One try left: one more wrong {0} blocks it.")), what);
    if (after.countLow) return _("Few tries are left; the token does not say how many.");
    return _("The token does not say how many tries are left.");
}

std::string tokenName(const TokenInfo& t) { return t.label.empty() ? t.serial : t.label; }

std::string lengthRule(const TokenInfo& t) {
    if (t.minPinLength && t.maxPinLength && t.maxPinLength < 255)
        return fmt::format(fmt::runtime(_(" ({0} to {1} characters)")), t.minPinLength,
                           t.maxPinLength);
    if (t.minPinLength)
        return fmt::format(fmt::runtime(_(" (at least {0} characters)")), t.minPinLength);
    return {};
}

// The flags of `which` PIN as the token reports them after a wrong entry (the ones from before
// when it cannot say).
PinFlags flagsAfterWrong(TokenSession& session, PinFlags TokenInfo::*which) {
    PinFlags after = session.token().*which;
    try {
        after = session.refresh().*which;
    } catch (const Error&) {
    }
    return after;
}

// After a PIN was written: the new flags are read now if the token answers, else at the next
// listing.
void refreshQuietly(TokenSession& session) {
    try {
        session.refresh();
    } catch (const Error&) {
    }
}

// What each way a PIN-writing call (C_SetPIN, C_InitPIN) can fail says, each in the caller's
// words of what still holds: {0} the PKCS#11 code; for `wrongForm` also {1} the length rule and
// {2} the SO PIN's name.
struct PinWriteFailureTexts {
    std::string wrongForm;
    std::string removed;
    std::string refused;
};

[[noreturn]] void throwPinWriteFailure(CK_RV rv, const TokenInfo& t,
                                       const PinWriteFailureTexts& texts,
                                       const std::string& soPinName, const std::string& where) {
    if (rv == CKR_PIN_LEN_RANGE || rv == CKR_PIN_INVALID)
        throw Error(ErrorKind::InvalidInput,
                    fmt::format(fmt::runtime(texts.wrongForm), ckrName(rv), lengthRule(t),
                                soPinName),
                    where);
    if (isRemovalError(rv))
        throw retryableError(ErrorKind::TokenRemoved,
                             fmt::format(fmt::runtime(texts.removed), ckrName(rv)), where);
    throw Error(ErrorKind::Token, fmt::format(fmt::runtime(texts.refused), ckrName(rv)), where);
}

// Logs the SO out on every way out of unblockPin, so no SO session outlives it.
struct SoLogout {
    Session& s;
    bool active = false;
    ~SoLogout() {
        if (active) s.fn()->C_Logout(s.handle());
    }
};

}  // namespace

void TokenSession::changePin(const SecretString& currentPin, const SecretString& newPin) {
    auto lk = lock();
    auto& s = session();
    const auto& t = refresh();
    if (t.userPin.locked)
        throw Error(ErrorKind::PinLocked,
                    fmt::format(fmt::runtime(_("The PIN of token {0} is blocked, so it cannot be "
                                               "changed; unblock it first")),
                                tokenName(t)),
                    t.serial);
    if (!t.userPin.initialized)
        throw Error(ErrorKind::Token,
                    fmt::format(fmt::runtime(_("Token {0} has no PIN yet; set one by unblocking "
                                               "it with the PUK (SO PIN)")),
                                tokenName(t)),
                    t.serial);
    if (t.readOnly || !s.readWrite())
        throw Error(ErrorKind::Token, _("The token is write-protected: its PIN cannot be changed"),
                    t.serial);
    log::info("token", "changing the user PIN of token {}", t.serial);
    CK_RV rv = t.protectedAuthenticationPath
                   ? s.fn()->C_SetPIN(s.handle(), nullptr, 0, nullptr, 0)
                   : s.fn()->C_SetPIN(s.handle(), pinBytes(currentPin), currentPin.size(),
                                      pinBytes(newPin), newPin.size());
    if (rv == CKR_OK) {
        log::info("token", "user PIN of token {} changed", t.serial);
        refreshQuietly(*this);
        return;
    }
    if (rv == CKR_PIN_INCORRECT) {
        PinFlags after = flagsAfterWrong(*this, &TokenInfo::userPin);
        throw Error(after.locked ? ErrorKind::PinLocked : ErrorKind::PinIncorrect,
                    _("The current PIN is wrong; the PIN was not changed.") + std::string(" ") +
                        triesAfterWrong(after, _("PIN")),
                    token_.serial);
    }
    if (rv == CKR_PIN_LOCKED)
        throw Error(ErrorKind::PinLocked,
                    _("The PIN is blocked; it was not changed. Unblock it first."), token_.serial);
    throwPinWriteFailure(
        rv, t,
        {_("The token refused the new PIN ({0}): it does not have the form this token "
           "accepts{1}. The PIN was not changed."),
         _("The token was removed or stopped responding while its PIN was being changed ({0}). "
           "A token stores a new PIN whole or not at all: insert it again and use the new PIN; "
           "if the token refuses it, the old PIN is still valid."),
         _("The token refused to change the PIN ({0}); the PIN was not changed. Check that the "
           "token is plugged in and try again.")},
        {}, token_.serial);
}

void TokenSession::unblockPin(const SecretString& soPin, const SecretString& newPin,
                              const std::string& soPinName) {
    auto lk = lock();
    auto& s = session();
    const auto& t = refresh();
    if (t.soPin.locked)
        throw Error(ErrorKind::PinLocked,
                    fmt::format(fmt::runtime(_("The {0} of token {1} is blocked too: only the "
                                               "issuer of the token (your certification authority "
                                               "or the vendor) can reset it")),
                                soPinName, tokenName(t)),
                    t.serial);
    if (t.readOnly || !s.readWrite())
        throw Error(ErrorKind::Token,
                    _("The token is write-protected: its PIN cannot be unblocked"), t.serial);
    log::info("token", "unblocking the user PIN of token {} as SO", t.serial);
    CK_RV rv = t.protectedAuthenticationPath
                   ? s.fn()->C_Login(s.handle(), CKU_SO, nullptr, 0)
                   : s.fn()->C_Login(s.handle(), CKU_SO, pinBytes(soPin), soPin.size());
    if (rv == CKR_PIN_INCORRECT) {
        PinFlags after = flagsAfterWrong(*this, &TokenInfo::soPin);
        throw Error(after.locked ? ErrorKind::PinLocked : ErrorKind::PinIncorrect,
                    fmt::format(fmt::runtime(_("The {0} is wrong; nothing was changed.")),
                                soPinName) +
                        " " + triesAfterWrong(after, soPinName),
                    token_.serial);
    }
    if (rv == CKR_PIN_LOCKED)
        throw Error(ErrorKind::PinLocked,
                    fmt::format(fmt::runtime(_("The {0} is blocked: only the issuer of the token "
                                               "can reset it")),
                                soPinName),
                    token_.serial);
    if (rv == CKR_USER_ANOTHER_ALREADY_LOGGED_IN || rv == CKR_USER_ALREADY_LOGGED_IN)
        throw retryableError(ErrorKind::Token,
                             _("Another operation is logged in to this token (a renewal or a "
                               "signature in progress); finish it, then try again. Nothing was "
                               "changed."),
                             token_.serial);
    if (isRemovalError(rv))
        throw retryableError(
            ErrorKind::TokenRemoved,
            fmt::format(fmt::runtime(_("The token was removed or stopped responding before the "
                                       "PIN was unblocked ({0}); nothing was changed. Insert it "
                                       "and try again.")),
                        ckrName(rv)),
            token_.serial);
    if (rv != CKR_OK)
        throw Error(ErrorKind::Token,
                    fmt::format(fmt::runtime(_("The token refused the {0} login ({1}); nothing was "
                                               "changed")),
                                soPinName, ckrName(rv)),
                    token_.serial);

    SoLogout logout{s, true};
    rv = t.protectedAuthenticationPath
             ? s.fn()->C_InitPIN(s.handle(), nullptr, 0)
             : s.fn()->C_InitPIN(s.handle(), pinBytes(newPin), newPin.size());
    if (rv == CKR_OK) {
        log::info("token", "user PIN of token {} unblocked", t.serial);
        logout.active = false;
        s.fn()->C_Logout(s.handle());
        refreshQuietly(*this);
        return;
    }
    throwPinWriteFailure(
        rv, t,
        {_("The token refused the new PIN ({0}): it does not have the form this token "
           "accepts{1}. The {2} was right; the PIN was not changed."),
         _("The token was removed or stopped responding while the PIN was being unblocked ({0}). "
           "Insert it again: if the new PIN is refused, unblock it again."),
         _("The token refused to set the new PIN ({0}); the PIN was not changed")},
        soPinName, token_.serial);
}

TokenSession::DeletedObjects TokenSession::deleteCertificateAndKeys(
    const Bytes& id, const std::optional<Bytes>& expectedDer) {
    auto lk = lock();
    auto& s = session();
    // Before login the private key is hidden: deleting then would leave it behind, unseen.
    if (token_.loginRequired && !loggedIn())
        throw Error(ErrorKind::Internal, "deleteCertificateAndKeys needs a logged-in session",
                    token_.serial);
    const CK_OBJECT_CLASS certClass = CKO_CERTIFICATE, privClass = CKO_PRIVATE_KEY,
                          pubClass = CKO_PUBLIC_KEY;
    auto certs = s.find({attrOf(CKA_CLASS, certClass), attrBytes(CKA_ID, id)});
    if (certs.empty())
        throw Error(ErrorKind::InvalidInput,
                    fmt::format(fmt::runtime(_("There is no certificate with id {0} on the token")),
                                toHex(id)),
                    token_.serial);
    if (expectedDer)
        for (auto obj : certs)
            if (s.attribute(obj, CKA_VALUE) != *expectedDer)
                throw Error(ErrorKind::Rejected,
                            fmt::format(fmt::runtime(_("The certificate with id {0} on the token "
                                                       "is not the expected one: nothing was "
                                                       "deleted")),
                                        toHex(id)),
                            token_.serial);
    auto privs = s.find({attrOf(CKA_CLASS, privClass), attrBytes(CKA_ID, id)});
    auto pubs = s.find({attrOf(CKA_CLASS, pubClass), attrBytes(CKA_ID, id)});
    // Everything is found (and the token checked writable) before anything is destroyed.
    if (!s.readWrite())
        throw Error(ErrorKind::Token,
                    _("The token is write-protected: nothing can be deleted from it"),
                    token_.serial);
    DeletedObjects done;
    auto destroy = [&](CK_OBJECT_HANDLE obj, int& counter) {
        CK_RV rv = s.fn()->C_DestroyObject(s.handle(), obj);
        if (rv == CKR_OK) {
            ++counter;
            return;
        }
        const std::string sofar = fmt::format(
            fmt::runtime(_("deleted so far: {0} private key(s), {1} public key(s), {2} "
                           "certificate(s); run the deletion again to finish it")),
            done.privateKeys, done.publicKeys, done.certificates);
        if (isRemovalError(rv))
            throw retryableError(
                ErrorKind::TokenRemoved,
                fmt::format(fmt::runtime(_("The token was removed during the deletion ({0}); {1}")),
                            ckrName(rv), sofar),
                token_.serial);
        throw Error(ErrorKind::Token,
                    fmt::format(fmt::runtime(_("The token refused to delete an object ({0}); {1}")),
                                ckrName(rv), sofar),
                    token_.serial);
    };
    for (auto obj : privs) destroy(obj, done.privateKeys);
    for (auto obj : pubs) destroy(obj, done.publicKeys);
    for (auto obj : certs) destroy(obj, done.certificates);
    log::info("token", "deleted certificate {} on token {} ({} private, {} public key objects)",
              toHex(id), token_.serial, done.privateKeys, done.publicKeys);
    return done;
}

}  // namespace certagent::token
