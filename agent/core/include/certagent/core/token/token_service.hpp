#pragma once
// The token service: every PKCS#11 token the user has, the certificates on them, and what a
// renewal does on a token (login, key pair, CSR, certificate install, a key for signing).
//
//   TokenService service(modules);            // each module loads on first use; failures are listed
//   for (auto& t : service.tokens()) ...      // slots with a token, fresh each call
//   auto certs = service.certificates();      // parsed; a bad object is reported, not thrown
//   auto s = service.open(serial);            // a TokenSession for one token
//   s->login(askPin);                         // one PIN entry = at most one C_Login
//   auto key = s->generateKeyPair(KeyType::EcP256, "Renewal 2025");
//   auto csr = s->createCsr(key.id, request); // signed on the token
//   s->installCertificate(key.id, certDer);   // written, read back, matched to the key
//
// Threading: every call may run on any thread but the UI's; work on one module (and so on
// each of its tokens) is serialized by a per-module lock shared by every service and session
// in the process. A token pulled out mid-operation throws a retryable Error(TokenRemoved).
#include "certagent/core/secret.hpp"
#include "certagent/core/token/openssl_handles.hpp"
#include "certagent/core/token/quirks.hpp"
#include "certagent/core/token/types.hpp"

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace certagent::token {

namespace detail {
class Module;
class Session;
}  // namespace detail

// What the PIN callback is told: which token, and the PIN state read just before asking.
struct PinRequest {
    TokenInfo token;
    PinState state = PinState::Ok;
    std::optional<int> triesLeft;  // known only on final try (1) or locked (0)
};
// Returns the PIN, or nullopt when the user cancels (login then throws ErrorKind::Cancelled).
using PinCallback = std::function<std::optional<SecretString>(const PinRequest&)>;

// Decides which token plugin claims a token. The plugin host provides one (vendor plugins by
// USB id / token-info match first); the default takes the module spec's plugin, else
// "generic-pkcs11".
using TokenClaimer = std::function<std::string(const TokenInfo&, const ModuleSpec&)>;

// The quirks of a token plugin, by its name (token_profile's quirkFlags); none by default.
using QuirkLookup = std::function<TokenQuirks(const std::string& plugin)>;

struct TokenServiceOptions {
    TokenClaimer claimer;
    // Module quirks come from the plugin that proposed the module (ModuleSpec::plugin), token
    // quirks from the plugin that claims the token; a session gets both.
    QuirkLookup quirks;
    int expiringWithinDays = 30;  // CertStatus::Expiring below this many days left
};

class TokenSession;

class TokenService {
public:
    // Modules in priority order (plugins' candidates, then config, then p11-kit); a path that
    // resolves to an already listed real path is skipped, so no token shows twice.
    explicit TokenService(const std::vector<ModuleSpec>& modules,
                          TokenServiceOptions options = {});
    ~TokenService();
    TokenService(const TokenService&) = delete;
    TokenService& operator=(const TokenService&) = delete;

    // Every module given, loaded or not and why (loads those not loaded yet).
    const std::vector<ModuleStatus>& modules();
    const TokenServiceOptions& options() const noexcept { return options_; }

    // Slots that hold a token, across the modules that load. A module whose enumeration fails
    // is logged and skipped.
    std::vector<TokenInfo> tokens();
    // The same for one module (index < candidateModules().size()), for callers that list the
    // modules in parallel: each call loads its own module on the calling thread, so a module
    // slow to start (OpenSC probing a card it does not know) holds back no other. A module
    // that cannot load has no tokens (logged); throws certagent::Error when the enumeration of
    // a loaded module fails.
    std::vector<TokenInfo> tokensOfModule(std::size_t index);
    // Real paths of the modules to use, in the order tokensOfModule() indexes them (files that
    // exist, each library once); whether they load is known on first use.
    std::vector<std::filesystem::path> candidateModules() const;

    // Certificates on every token, or on the token with this serial only.
    std::vector<TokenCertificate> certificates(const std::optional<std::string>& serial = {});

    // A session on the token with this serial. Throws a retryable Error(TokenRemoved) when no
    // such token is connected.
    std::unique_ptr<TokenSession> open(const std::string& serial);
    // The same, looking only in the module this token was listed from (token.module).
    std::unique_ptr<TokenSession> open(const TokenInfo& token);
    // The token with this serial is in a slot of token.module now.
    bool connected(const TokenInfo& token);

private:
    struct Candidate;
    // The module, loaded on first call (nullptr: it cannot load; the reason is in statuses_).
    std::shared_ptr<detail::Module> load(Candidate& c);
    std::vector<TokenInfo> tokensOf(Candidate& c);
    TokenQuirks quirksOf(const std::string& plugin) const;
    std::unique_ptr<TokenSession> sessionOn(Candidate& c, TokenInfo token);
    Candidate* candidateFor(const std::filesystem::path& realPath);
    std::vector<std::unique_ptr<Candidate>> candidates_;
    std::vector<ModuleStatus> statuses_;
    TokenServiceOptions options_;
};

// Work on one token. Keep it only for the operation at hand: some tokens (ePass2003) break
// another process's secure-messaging session while a session is held open. Destroying it
// closes its session (and so logs out when it was the last one) and invalidates every
// EVP_PKEY it handed out. On a token with the close_sessions_when_idle quirk, the Cryptoki
// session is also closed after every operation that leaves it not logged in (and with no
// EVP_PKEY handed out), and opened again by the next one.
class TokenSession {
public:
    ~TokenSession();
    TokenSession(const TokenSession&) = delete;
    TokenSession& operator=(const TokenSession&) = delete;

    const TokenInfo& token() const noexcept { return token_; }
    const TokenQuirks& quirks() const noexcept { return quirks_; }
    // A Cryptoki session is open now (tests, and holders deciding whether to keep this object).
    bool holdsSession() const noexcept { return session_ != nullptr; }
    // Whether a holder may keep this session open between operations while idle (e.g. a
    // renewal waiting for its CA): false for close_sessions_when_idle tokens.
    bool mayHoldWhileIdle() const noexcept { return !quirks_.closeSessionsWhenIdle; }
    // The token can generate this key type as far as it says: with the ec_p256_only_on_ecc_variant
    // quirk, EC types need CKM_EC_KEY_PAIR_GEN in the token's mechanism list; otherwise true.
    bool canGenerate(KeyType type);
    // Reads CK_TOKEN_INFO again (PIN flags change after a wrong PIN).
    const TokenInfo& refresh();

    bool loggedIn() const;
    // Reads the PIN flags, refuses a locked PIN without asking, asks `askPin` once and calls
    // C_Login once. A PIN-pad token (protected authentication path) is logged in without
    // asking. Throws PinIncorrect (the message says how many tries are left, or that the token
    // does not tell), PinLocked, Cancelled or TokenRemoved.
    void login(const PinCallback& askPin);

    // Changes the user PIN with one C_SetPIN in a session that is not logged in, so a wrong
    // current PIN costs exactly one try and nothing else does. Refuses without touching the
    // token when the user PIN is blocked. A PIN-pad token asks on its pad (pass empty secrets).
    // Throws PinIncorrect (wrong current PIN, the message says what the flags tell), PinLocked,
    // InvalidInput (the token refused the new PIN's form), TokenRemoved or Token.
    void changePin(const SecretString& currentPin, const SecretString& newPin);
    // Unblocks (or first sets) the user PIN with the SO PIN: C_Login as SO once, C_InitPIN,
    // C_Logout. Refuses without touching the token when the SO PIN is blocked. `soPinName` is
    // what the vendor calls it (TokenProfile::unblockPinName), for the messages. On any failure
    // after the SO login the session is logged out again; the user PIN is then unchanged.
    void unblockPin(const SecretString& soPin, const SecretString& newPin,
                    const std::string& soPinName);

    // Generates a key pair on the token under a fresh random CKA_ID. The private key is
    // sensitive, never extractable, and can only sign. `label` says what it is for; empty:
    // "certagent <type> <date>". Needs login.
    KeyPairInfo generateKeyPair(KeyType type, const std::string& label = {});

    // The public half of the key pair with this CKA_ID (read from the token's public key
    // object, else from the private key's public attributes).
    EvpPkeyPtr publicKey(const Bytes& keyId);

    // PKCS#10 request signed by the on-token private key; returns DER. Needs login.
    Bytes createCsr(const Bytes& keyId, const CsrRequest& request);

    // Writes an X.509 certificate under the CKA_ID of its key after checking that it matches
    // that key, then reads it back and checks again. Installing the same certificate twice is a
    // no-op (a resumed renewal may retry). `label` empty: the certificate's common name.
    void installCertificate(const Bytes& keyId, const Bytes& certDer, std::string label = {});

    // Certificates on this token (same as TokenService::certificates for it).
    std::vector<TokenCertificate> certificates();
    // The certificate (DER) stored under this CKA_ID; nullopt when there is none.
    std::optional<Bytes> certificate(const Bytes& id);

    // libp11's EVP_PKEY for the private key with this CKA_ID, for TLS client authentication,
    // CMS/PDF signing or a CSR. Owned by this session and valid while it lives; hold lock()
    // around its use from several threads. Throws Error(Token) when there is no such key.
    EVP_PKEY* privateKey(const Bytes& keyId);

    // Deletes the certificate with this CKA_ID and its key pair (private and public key objects
    // with the same CKA_ID): keys first, the certificate last, so an interrupted deletion
    // leaves the certificate listed and running it again finishes the job. Needs login when
    // the private key is protected. Returns what was deleted.
    struct DeletedObjects {
        int certificates = 0;
        int privateKeys = 0;
        int publicKeys = 0;
    };
    DeletedObjects deleteCertificateAndKeys(const Bytes& id);

    // Deletes the objects of `objectClass` ("certificate", "private_key", "public_key") with
    // this CKA_ID. Nothing else in the service ever deletes. Returns how many were deleted.
    int deleteObjects(const std::string& objectClass, const Bytes& id);

    std::unique_lock<std::recursive_mutex> lock();

private:
    friend class TokenService;
    TokenSession(std::shared_ptr<detail::Module> module, TokenInfo token, int expiringWithinDays,
                 TokenQuirks quirks);
    detail::Session& session();
    class Operation;        // the lock for one public call, and the idle rule when it ends
    void releaseIfIdle() noexcept;
    TokenQuirks quirks_;
    int depth_ = 0;  // nested public calls (installCertificate calls publicKey)
    struct Libp11Slots;
    std::shared_ptr<detail::Module> module_;
    TokenInfo token_;
    int expiringWithinDays_;
    std::unique_ptr<detail::Session> session_;
    std::vector<std::unique_ptr<Libp11Slots>> libp11Slots_;
    std::vector<EvpPkeyPtr> keys_;
};

}  // namespace certagent::token
