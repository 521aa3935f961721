#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"
#include "certagent/core/platform/system.hpp"
#include "certagent/core/token/token_service.hpp"
#include "certificate_reader.hpp"
#include "cryptoki.hpp"
#include "public_key.hpp"

#include <ctime>
#include <fmt/format.h>
#include <libp11.h>
#include <openssl/conf.h>
#include <openssl/err.h>
#include <openssl/rand.h>

namespace certagent::token {

using namespace detail;

namespace {

// The CK_RV libp11 left in OpenSSL's error queue, if any, and all messages as text.
std::pair<std::optional<CK_RV>, std::string> drainOpensslErrors() {
    std::optional<CK_RV> rv;
    std::string text;
    while (unsigned long e = ERR_get_error()) {
        if (ERR_GET_LIB(e) == ERR_get_CKR_code()) rv = ERR_GET_REASON(e);
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        if (!text.empty()) text += "; ";
        text += buf;
    }
    return {rv, text};
}

[[noreturn]] void throwOpenssl(std::string_view operation, const std::string& where) {
    auto [rv, text] = drainOpensslErrors();
    if (rv) throwCkr(*rv, operation, where);
    throw Error(ErrorKind::Token,
                fmt::format(fmt::runtime(_("{0} failed on the token ({1})")), operation, text),
                where);
}

const Bytes kP256Oid = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
const Bytes kP384Oid = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};

std::string today() {
    const std::tm tm = platform::utcTime(std::time(nullptr));
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
}

// What goes to the token must encode: an Internal error when OpenSSL cannot.
template <auto I2d, typename T>
Bytes requiredDer(T* object) {
    Bytes out = derOf<I2d>(object);
    if (out.empty()) throw Error(ErrorKind::Internal, "DER encoding failed");
    return out;
}

}  // namespace

struct TokenSession::Libp11Slots {
    PKCS11_CTX* ctx = nullptr;
    PKCS11_SLOT* slots = nullptr;
    unsigned int count = 0;
    ~Libp11Slots() {
        if (slots) PKCS11_release_all_slots(ctx, slots, count);
    }
};

TokenSession::TokenSession(std::shared_ptr<Module> module, TokenInfo token,
                           int expiringWithinDays, TokenQuirks quirks)
    : quirks_(quirks),
      module_(std::move(module)),
      token_(std::move(token)),
      expiringWithinDays_(expiringWithinDays) {}

// Every public call holds the module's lock for its duration; when the outermost one ends, the
// close_sessions_when_idle rule runs (still under the lock).
class TokenSession::Operation {
public:
    explicit Operation(TokenSession& s) : s_(s), lock_(s.lock()) { ++s_.depth_; }
    ~Operation() {
        if (--s_.depth_ == 0) s_.releaseIfIdle();
    }
    Operation(const Operation&) = delete;
    Operation& operator=(const Operation&) = delete;

private:
    TokenSession& s_;
    std::unique_lock<std::recursive_mutex> lock_;
};

void TokenSession::releaseIfIdle() noexcept {
    // A logged-in session is work in progress (closing it would log out), and an EVP_PKEY
    // handed out needs its session: both stay until the TokenSession goes.
    if (!quirks_.closeSessionsWhenIdle || !session_ || !keys_.empty()) return;
    try {
        if (loggedIn()) return;
    } catch (const Error&) {
        // The session is unusable (token pulled out): closing it is all that is left.
    }
    libp11Slots_.clear();
    session_.reset();
}

bool TokenSession::canGenerate(KeyType type) {
    if (!quirks_.ecKeysOnlyWhenListed || (type != KeyType::EcP256 && type != KeyType::EcP384))
        return true;
    Operation op(*this);
    return module_->hasMechanism(token_.slotId, CKM_EC_KEY_PAIR_GEN);
}

TokenSession::~TokenSession() {
    auto lk = lock();
    keys_.clear();
    libp11Slots_.clear();
    session_.reset();
}

std::unique_lock<std::recursive_mutex> TokenSession::lock() {
    return std::unique_lock<std::recursive_mutex>(module_->mutex());
}

Session& TokenSession::session() {
    if (!session_) {
        try {
            session_ = std::make_unique<Session>(module_, token_.slotId, !token_.readOnly,
                                                 token_.serial);
        } catch (const Error&) {
            if (token_.readOnly) throw;
            // Some tokens refuse read-write sessions (write-protected); reading still works.
            session_ = std::make_unique<Session>(module_, token_.slotId, false, token_.serial);
        }
    }
    return *session_;
}

const TokenInfo& TokenSession::refresh() {
    Operation op(*this);
    std::string plugin = token_.plugin;
    token_ = module_->tokenInfo(token_.slotId, quirks_);
    token_.plugin = std::move(plugin);
    return token_;
}

bool TokenSession::loggedIn() const {
    if (!session_) return false;
    auto state = session_->state();
    return state == CKS_RO_USER_FUNCTIONS || state == CKS_RW_USER_FUNCTIONS;
}

void TokenSession::login(const PinCallback& askPin) {
    Operation op(*this);
    auto& s = session();
    if (loggedIn()) return;
    refresh();
    const PinFlags before = token_.userPin;
    if (before.locked)
        throw Error(ErrorKind::PinLocked,
                    _("The PIN is blocked; unblock it with the PUK or the token vendor's tool"),
                    token_.serial);

    CK_RV rv = CKR_OK;
    if (token_.protectedAuthenticationPath) {
        rv = s.fn()->C_Login(s.handle(), CKU_USER, nullptr, 0);  // the PIN pad asks
    } else {
        std::optional<SecretString> pin = askPin(PinRequest{token_, before.state(),
                                                            before.triesLeft()});
        if (!pin) throw Error(ErrorKind::Cancelled, _("PIN entry cancelled"), token_.serial);
        rv = s.fn()->C_Login(
            s.handle(), CKU_USER,
            reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(pin->c_str())), pin->size());
        pin->clear();
    }
    if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN) return;

    if (rv == CKR_PIN_INCORRECT) {
        PinFlags after = before;
        try {
            after = refresh().userPin;
        } catch (const Error&) {
        }
        std::string message;
        if (after.locked)
            message = _("Wrong PIN. The PIN is now blocked; unblock it with the PUK or the "
                        "token vendor's tool");
        else if (after.finalTry)
            message = _("Wrong PIN. One try left: one more wrong PIN blocks the token");
        else if (after.countLow)
            message = _("Wrong PIN. Few tries are left; the token does not say how many");
        else
            message = _("Wrong PIN. The token does not say how many tries are left");
        throw Error(after.locked ? ErrorKind::PinLocked : ErrorKind::PinIncorrect, message,
                    token_.serial);
    }
    if (rv == CKR_PIN_LEN_RANGE || rv == CKR_PIN_INVALID)
        throw Error(ErrorKind::PinIncorrect,
                    fmt::format(fmt::runtime(_("The PIN does not have the form this token "
                                               "accepts ({0} to {1} characters)")),
                                token_.minPinLength, token_.maxPinLength),
                    token_.serial);
    if (rv == CKR_PIN_EXPIRED)
        throw Error(ErrorKind::PinIncorrect,
                    _("The PIN has expired; change it with the token vendor's tool"),
                    token_.serial);
    throwCkr(rv, "C_Login", token_.serial);
}

KeyPairInfo TokenSession::generateKeyPair(KeyType type, const std::string& label) {
    Operation op(*this);
    auto& s = session();
    KeyPairInfo info;
    info.type = type;
    info.label = label.empty() ? fmt::format("certagent {} {}", keyTypeName(type), today())
                               : label;
    // A fresh CKA_ID: 20 random bytes (the length of the SHA-1 ids most tools use), checked
    // against what the token already holds.
    for (int attempt = 0;; ++attempt) {
        info.id.assign(20, 0);
        if (RAND_bytes(info.id.data(), static_cast<int>(info.id.size())) != 1)
            throw Error(ErrorKind::Internal, "RAND_bytes failed");
        if (s.find({attrBytes(CKA_ID, info.id)}).empty()) break;
        if (attempt > 5) throw Error(ErrorKind::Internal, "cannot find a free CKA_ID");
    }

    const CK_OBJECT_CLASS pubClass = CKO_PUBLIC_KEY, privClass = CKO_PRIVATE_KEY;
    const bool rsa = type == KeyType::Rsa2048 || type == KeyType::Rsa3072 ||
                     type == KeyType::Rsa4096;
    if (!canGenerate(type))
        throw Error(ErrorKind::Token,
                    fmt::format(fmt::runtime(_("This token cannot generate {0} keys (its model "
                                               "has no EC support); use an RSA key instead")),
                                keyTypeName(type)),
                    token_.serial);
    const CK_KEY_TYPE keyType = rsa ? CKK_RSA : CKK_EC;
    const CK_ULONG bits = type == KeyType::Rsa4096 ? 4096 : type == KeyType::Rsa3072 ? 3072 : 2048;
    const Bytes exponent = {0x01, 0x00, 0x01};
    const Bytes& curve = type == KeyType::EcP384 ? kP384Oid : kP256Oid;

    std::vector<CK_ATTRIBUTE> pub = {
        attrOf(CKA_CLASS, pubClass),    attrOf(CKA_KEY_TYPE, keyType),
        attrOf(CKA_TOKEN, kTrue),       attrOf(CKA_PRIVATE, kFalse),
        attrOf(CKA_VERIFY, kTrue),      attrBytes(CKA_ID, info.id),
        attrText(CKA_LABEL, info.label),
    };
    std::vector<CK_ATTRIBUTE> priv = {
        attrOf(CKA_CLASS, privClass),      attrOf(CKA_KEY_TYPE, keyType),
        attrOf(CKA_TOKEN, kTrue),          attrOf(CKA_PRIVATE, kTrue),
        attrOf(CKA_SENSITIVE, kTrue),      attrOf(CKA_EXTRACTABLE, kFalse),
        attrOf(CKA_SIGN, kTrue),           attrBytes(CKA_ID, info.id),
        attrText(CKA_LABEL, info.label),
    };
    CK_MECHANISM mech{rsa ? CKM_RSA_PKCS_KEY_PAIR_GEN : CKM_EC_KEY_PAIR_GEN, nullptr, 0};
    if (rsa) {
        pub.push_back(attrOf(CKA_MODULUS_BITS, bits));
        pub.push_back(attrBytes(CKA_PUBLIC_EXPONENT, exponent));
    } else {
        pub.push_back(attrBytes(CKA_EC_PARAMS, curve));
    }
    CK_OBJECT_HANDLE pubObj = CK_INVALID_HANDLE, privObj = CK_INVALID_HANDLE;
    log::info("token", "generating {} key pair on token {} (id {})", keyTypeName(type),
              token_.serial, toHex(info.id));
    check(s.fn()->C_GenerateKeyPair(s.handle(), &mech, pub.data(), pub.size(), priv.data(),
                                    priv.size(), &pubObj, &privObj),
          "C_GenerateKeyPair", token_.serial);

    // Trust, but verify: a token that silently ignores the template must not pass.
    if (!s.boolAttribute(privObj, CKA_SENSITIVE, false) ||
        s.boolAttribute(privObj, CKA_EXTRACTABLE, true))
        throw Error(ErrorKind::Token,
                    fmt::format(fmt::runtime(_("The token created key {0} but did not make it "
                                               "sensitive and non-extractable")),
                                toHex(info.id)),
                    token_.serial);
    return info;
}

EvpPkeyPtr TokenSession::publicKey(const Bytes& keyId) {
    Operation op(*this);
    auto& s = session();
    const CK_OBJECT_CLASS pubClass = CKO_PUBLIC_KEY, privClass = CKO_PRIVATE_KEY;
    for (CK_OBJECT_CLASS cls : {pubClass, privClass}) {
        for (auto obj : s.find({attrOf(CKA_CLASS, cls), attrBytes(CKA_ID, keyId)})) {
            if (auto key = publicKeyFromObject(s, obj)) return key;
        }
    }
    // Last resort: the public parts libp11 put in its private-key EVP_PKEY.
    EVP_PKEY* priv = privateKey(keyId);
    if (Bytes der = derOf<i2d_PUBKEY>(priv); !der.empty()) {
        const unsigned char* q = der.data();
        if (EVP_PKEY* pub = d2i_PUBKEY(nullptr, &q, static_cast<long>(der.size())))
            return EvpPkeyPtr(pub);
    }
    throw Error(ErrorKind::Token,
                fmt::format(fmt::runtime(_("No public key found for key {0}")), toHex(keyId)),
                token_.serial);
}

Bytes TokenSession::createCsr(const Bytes& keyId, const CsrRequest& request) {
    Operation op(*this);
    X509ReqPtr req(X509_REQ_new());
    X509_REQ_set_version(req.get(), 0);
    X509_NAME* name = X509_REQ_get_subject_name(req.get());
    for (const auto& [field, value] : request.subject) {
        if (!X509_NAME_add_entry_by_txt(name, field.c_str(), MBSTRING_UTF8,
                                        reinterpret_cast<const unsigned char*>(value.c_str()), -1,
                                        -1, 0)) {
            ERR_clear_error();
            throw Error(ErrorKind::InvalidInput,
                        fmt::format(fmt::runtime(_("Invalid subject field {0}={1}")), field, value));
        }
    }
    EvpPkeyPtr pub = publicKey(keyId);
    if (X509_REQ_set_pubkey(req.get(), pub.get()) != 1) throwOpenssl("X509_REQ_set_pubkey", token_.serial);

    if (!request.extensions.empty()) {
        STACK_OF(X509_EXTENSION)* exts = sk_X509_EXTENSION_new_null();
        X509V3_CTX ctx;
        X509V3_set_ctx(&ctx, nullptr, nullptr, req.get(), nullptr, 0);
        // An empty config database: certificatePolicies and others insist on having one.
        std::unique_ptr<CONF, OsslDeleter<NCONF_free>> conf(NCONF_new(nullptr));
        X509V3_set_nconf(&ctx, conf.get());
        for (const auto& [ext, value] : request.extensions) {
            X509_EXTENSION* e = X509V3_EXT_nconf(conf.get(), &ctx, ext.c_str(), value.c_str());
            if (!e) {
                sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
                ERR_clear_error();
                throw Error(ErrorKind::InvalidInput,
                            fmt::format(fmt::runtime(_("Invalid extension {0}={1}")), ext, value));
            }
            sk_X509_EXTENSION_push(exts, e);
        }
        int ok = X509_REQ_add_extensions(req.get(), exts);
        sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
        if (ok != 1) throwOpenssl("X509_REQ_add_extensions", token_.serial);
    }

    const EVP_MD* md = EVP_get_digestbyname(request.digest.c_str());
    if (!md)
        throw Error(ErrorKind::InvalidInput,
                    fmt::format(fmt::runtime(_("Unknown digest {0}")), request.digest));
    EVP_PKEY* key = privateKey(keyId);
    ERR_clear_error();
    if (X509_REQ_sign(req.get(), key, md) <= 0) throwOpenssl("signing the request", token_.serial);
    if (X509_REQ_verify(req.get(), pub.get()) != 1)
        throw Error(ErrorKind::Token, _("The token's signature on the request does not verify"),
                    token_.serial);
    return requiredDer<i2d_X509_REQ>(req.get());
}

void TokenSession::installCertificate(const Bytes& keyId, const Bytes& certDer, std::string label) {
    Operation op(*this);
    auto& s = session();
    const unsigned char* p = certDer.data();
    X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(certDer.size())));
    if (!cert || p != certDer.data() + certDer.size())
        throw Error(ErrorKind::InvalidInput, _("The object is not a valid X.509 certificate"));
    EvpPkeyPtr pub = publicKey(keyId);
    if (EVP_PKEY_eq(X509_get0_pubkey(cert.get()), pub.get()) != 1)
        throw Error(ErrorKind::InvalidInput,
                    fmt::format(fmt::runtime(_("The certificate does not belong to key {0}")),
                                toHex(keyId)),
                    token_.serial);

    const CK_OBJECT_CLASS certClass = CKO_CERTIFICATE;
    const CK_CERTIFICATE_TYPE x509 = CKC_X_509;
    for (auto obj : s.find({attrOf(CKA_CLASS, certClass), attrBytes(CKA_ID, keyId)})) {
        if (s.attribute(obj, CKA_VALUE) == certDer) {
            log::info("token", "certificate for key {} already on token {}", toHex(keyId),
                      token_.serial);
            return;
        }
    }
    if (label.empty()) {
        int idx = X509_NAME_get_index_by_NID(X509_get_subject_name(cert.get()), NID_commonName, -1);
        if (idx >= 0) {
            const ASN1_STRING* cn =
                X509_NAME_ENTRY_get_data(X509_NAME_get_entry(X509_get_subject_name(cert.get()), idx));
            label.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(cn)),
                         static_cast<std::size_t>(ASN1_STRING_length(cn)));
        }
        if (label.empty()) label = "certagent certificate";
    }
    Bytes subject = requiredDer<i2d_X509_NAME>(X509_get_subject_name(cert.get()));
    Bytes issuer = requiredDer<i2d_X509_NAME>(X509_get_issuer_name(cert.get()));
    Bytes serial = requiredDer<i2d_ASN1_INTEGER>(X509_get0_serialNumber(cert.get()));
    CK_OBJECT_HANDLE obj = s.create({
        attrOf(CKA_CLASS, certClass), attrOf(CKA_CERTIFICATE_TYPE, x509),
        attrOf(CKA_TOKEN, kTrue),     attrOf(CKA_PRIVATE, kFalse),
        attrBytes(CKA_ID, keyId),     attrText(CKA_LABEL, label),
        attrBytes(CKA_SUBJECT, subject), attrBytes(CKA_ISSUER, issuer),
        attrBytes(CKA_SERIAL_NUMBER, serial), attrBytes(CKA_VALUE, certDer),
    });
    // Read back what the token stored, not what we meant to store.
    auto stored = s.attributes(obj, {CKA_ID, CKA_VALUE});
    if (stored[0] != keyId || stored[1] != certDer)
        throw Error(ErrorKind::Token,
                    _("The certificate read back from the token differs from the one written"),
                    token_.serial);
    log::info("token", "installed certificate for key {} on token {}", toHex(keyId),
              token_.serial);
}

std::vector<TokenCertificate> TokenSession::certificates() {
    Operation op(*this);
    return readCertificates(session(), token_);
}

std::optional<Bytes> TokenSession::certificate(const Bytes& id) {
    Operation op(*this);
    auto& s = session();
    const CK_OBJECT_CLASS certClass = CKO_CERTIFICATE;
    for (auto obj : s.find({attrOf(CKA_CLASS, certClass), attrBytes(CKA_ID, id)}))
        if (auto v = s.attribute(obj, CKA_VALUE)) return v;
    return std::nullopt;
}

EVP_PKEY* TokenSession::privateKey(const Bytes& keyId) {
    Operation op(*this);
    auto findIn = [&](Libp11Slots& list) -> EVP_PKEY* {
        for (unsigned int i = 0; i < list.count; ++i) {
            PKCS11_SLOT* slot = &list.slots[i];
            if (!slot->token || PKCS11_get_slotid_from_slot(slot) != token_.slotId) continue;
            PKCS11_KEY* keys = nullptr;
            unsigned int n = 0;
            if (PKCS11_enumerate_keys(slot->token, &keys, &n) != 0) throwOpenssl("PKCS11_enumerate_keys", token_.serial);
            for (unsigned int k = 0; k < n; ++k) {
                if (keys[k].id_len != keyId.size() ||
                    !std::equal(keyId.begin(), keyId.end(), keys[k].id))
                    continue;
                EVP_PKEY* pkey = PKCS11_get_private_key(&keys[k]);
                if (!pkey) throwOpenssl("PKCS11_get_private_key", token_.serial);
                keys_.emplace_back(pkey);
                return pkey;
            }
        }
        return nullptr;
    };
    ERR_clear_error();
    if (!libp11Slots_.empty())
        if (EVP_PKEY* k = findIn(*libp11Slots_.back())) return k;
    // libp11 caches a token's key list, so a key made since the last look needs a fresh list.
    auto list = std::make_unique<Libp11Slots>();
    list->ctx = module_->ctx();
    if (PKCS11_enumerate_slots(list->ctx, &list->slots, &list->count) != 0)
        throwOpenssl("PKCS11_enumerate_slots", token_.serial);
    libp11Slots_.push_back(std::move(list));
    if (EVP_PKEY* k = findIn(*libp11Slots_.back())) return k;
    throw Error(ErrorKind::Token,
                fmt::format(fmt::runtime(_("No private key with id {0} on the token (log in "
                                           "first if it is protected)")),
                            toHex(keyId)),
                token_.serial);
}

int TokenSession::deleteObjects(const std::string& objectClass, const Bytes& id) {
    Operation op(*this);
    auto& s = session();
    CK_OBJECT_CLASS cls = objectClass == "certificate"   ? CKO_CERTIFICATE
                          : objectClass == "private_key" ? CKO_PRIVATE_KEY
                          : objectClass == "public_key"  ? CKO_PUBLIC_KEY
                                                         : CK_UNAVAILABLE_INFORMATION;
    if (cls == CK_UNAVAILABLE_INFORMATION)
        throw Error(ErrorKind::Usage, fmt::format("unknown object class {}", objectClass));
    int deleted = 0;
    for (auto obj : s.find({attrOf(CKA_CLASS, cls), attrBytes(CKA_ID, id)})) {
        check(s.fn()->C_DestroyObject(s.handle(), obj), "C_DestroyObject", token_.serial);
        ++deleted;
    }
    log::info("token", "deleted {} {} object(s) with id {} on token {}", deleted, objectClass,
              toHex(id), token_.serial);
    return deleted;
}

}  // namespace certagent::token
