#include "certagent/core/renewal/engine.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <random>

#include <openssl/objects.h>
#include <openssl/x509.h>
#include <thread>

#include "certagent/core/clock.hpp"
#include "certagent/core/error.hpp"
#include "certagent/core/event_bus.hpp"
#include "certagent/core/events.hpp"
#include "certagent/core/host_services.hpp"
#include "certagent/core/http/client.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"
#include "certagent/core/renewal/portal_backend.hpp"
#include "certagent/core/signing/token_signer.hpp"
#include "certagent/core/state_store.hpp"
#include "certagent/core/token/certificate_parser.hpp"
#include "verify.hpp"

namespace certagent::renewal {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

std::string upper(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return s;
}

std::string readText(const std::filesystem::path& p) {
    if (p.empty()) return {};
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// Ends the current advance() with the record in a final or waiting state.
struct Halt {};

std::chrono::seconds jittered(std::chrono::seconds d) {
    static thread_local std::mt19937 rng{std::random_device{}()};
    std::uniform_real_distribution<double> f(0.8, 1.2);
    return std::chrono::seconds(std::max<long long>(1, std::llround(d.count() * f(rng))));
}

}  // namespace

struct Engine::Impl {
    EngineDeps d;
    std::unique_ptr<Journal> journal;
    std::recursive_mutex mutex;  // one advance at a time

    // What one run keeps between advance() calls: one login, one connection.
    struct Live {
        std::string id;
        std::unique_ptr<signing::TokenSigner> signer;
        std::unique_ptr<http::CurlClient> http;
        bool httpHasCert = false;
        std::unique_ptr<Backend> backend;
    };
    std::unique_ptr<Live> live;
    std::chrono::steady_clock::time_point lastAdvance{};  // of the last advance() (keepSession)

    explicit Impl(EngineDeps deps) : d(std::move(deps)) {
        if (!d.store || !d.clock || !d.tokens)
            throw Error(ErrorKind::Internal, "renewal engine needs a store, a clock and tokens");
        if (!d.prompter) d.prompter = std::make_shared<DeferringPrompter>();
        if (!d.backendFactory)
            d.backendFactory = [](const EngineSettings& s) -> std::unique_ptr<Backend> {
                if (s.backend != "portal")
                    throw Error(ErrorKind::Config,
                                fmt::format(fmt::runtime(_("unknown renewal backend {0}")),
                                            s.backend),
                                "renewal.backend");
                return makePortalBackend({s.portalUrl});
            };
        journal = std::make_unique<Journal>(*d.store, *d.clock);
    }

    void publish(const RenewalRecord& r, std::optional<double> progress = {}) {
        if (!d.bus) return;
        d.bus->publish(progressEvent(r, progress));
    }

    static json progressEvent(const RenewalRecord& r, std::optional<double> progress = {}) {
        const char* state = "running";
        switch (r.state) {
            case State::Running: state = "running"; break;
            case State::Waiting: state = "waiting"; break;
            case State::NeedsUser: state = r.prompt != Prompt::None ? "waiting" : "failed"; break;
            case State::Done: state = "done"; break;
            case State::Failed:
            case State::Cancelled: state = "failed"; break;
        }
        json e = {{"type", events::kRenewalProgress},
                  {"renewal_id", r.id},
                  {"token", r.token},
                  {"cert", r.certId},
                  {"step", wizardStepOf(r.step)},
                  {"phase", stepName(r.step)},
                  {"state", state},
                  {"message", r.message},
                  {"code", r.errorCode},
                  {"final", isFinal(r.state)},
                  {"prompt", promptName(r.prompt)},
                  {"declaration", r.declarationPath},
                  {"payment_url", r.paymentUrl},
                  {"ca_reference", r.caReference},
                  {"next_attempt", r.nextAttempt}};
        if (progress) e["progress"] = *progress;
        return e;
    }

    void notify(const RenewalRecord& r, const std::string& title, const std::string& body,
                const char* urgency) {
        if (!d.notifier) return;
        try {
            d.notifier->notify({{"title", title},
                                {"body", body},
                                {"urgency", urgency},
                                {"plugin", "renewal"},
                                {"renewal_id", r.id},
                                {"token", r.token},
                                {"cert", r.certId}});
        } catch (const std::exception& e) {
            log::warn("renewal", "notification failed: {}", e.what());
        }
    }
};

namespace {

class Ctx final : public BackendContext {
public:
    Ctx(Engine::Impl& impl, RenewalRecord& rec, Engine::Impl::Live& live)
        : impl_(impl), rec_(rec), live_(live) {
        dir_ = impl.d.settings.workDir / rec.id;
        std::filesystem::create_directories(dir_);
        std::filesystem::permissions(dir_, std::filesystem::perms::owner_all,
                                     std::filesystem::perm_options::replace);
    }

    RenewalRecord& record() override { return rec_; }
    void save() override { impl_.journal->save(rec_); }
    std::optional<std::string> value(const std::string& key) override {
        return impl_.journal->value(rec_.id, key);
    }
    void setValue(const std::string& key, const std::string& v) override {
        impl_.journal->setValue(rec_.id, key, v);
    }
    std::string idempotencyKey(const std::string& step) override {
        auto k = "idem:" + step;
        if (auto v = value(k)) return *v;
        auto key = "certagent-" + rec_.id + "-" + step;
        setValue(k, key);  // durable before the call that carries it
        return key;
    }
    void enterStep(Step step) override {
        if (step <= rec_.step && !(step == Step::Preflight && rec_.history.empty())) return;
        auto previous = rec_.step;
        rec_.step = step;
        rec_.state = State::Running;
        // A new step starts its own backoff. Preflight is entered again on every advance() of
        // a renewal that has not passed it: its attempts must keep counting, or a CA that
        // stays unreachable is retried every second forever.
        if (previous != step) rec_.attempts = 0;
        rec_.message = stepTitle(step);
        rec_.history.push_back({step, "started", {}, {}});  // marks "entered" for this run
        impl_.d.store->transaction([&] {
            if (previous != step) impl_.journal->stepEvent(rec_, previous, "done");
            impl_.journal->stepEvent(rec_, step, "started");
        });
        impl_.publish(rec_);
        log::info("renewal", "{}: step {}", rec_.id, stepName(step));
        faultPoint(stepName(step));
    }
    void progress(const std::string& message) override {
        rec_.message = message;
        impl_.publish(rec_);
    }
    Answer ask(Prompt prompt) override {
        auto k = std::string("answer:") + promptName(prompt);
        if (auto v = value(k)) {
            if (*v == "yes") return Answer::Yes;
            if (*v == "no") return Answer::No;
        }
        Answer a = Answer::Later;
        if (prompt == Prompt::SignDeclaration)
            a = impl_.d.prompter->signDeclaration(rec_, rec_.declarationPath);
        else if (prompt == Prompt::OpenPaymentPage)
            a = impl_.d.prompter->openPaymentPage(rec_, rec_.paymentUrl);
        if (a == Answer::Later) {
            rec_.prompt = prompt;
            save();
        } else {
            setValue(k, a == Answer::Yes ? "yes" : "no");
        }
        return a;
    }
    http::HttpClient& http() override {
        bool withCert = live_.signer != nullptr;
        if (!live_.http || live_.httpHasCert != withCert) {
            http::ClientOptions o;
            o.caBundle = impl_.d.settings.caBundle;
            o.timeout = impl_.d.settings.httpTimeout;
            o.userAgent = "certagent-renewal";
            live_.http = std::make_unique<http::CurlClient>(o);
            if (withCert) {
                std::vector<X509*> chain;
                if (auto* sk = live_.signer->chain())
                    for (int i = 0; i < sk_X509_num(sk); ++i) chain.push_back(sk_X509_value(sk, i));
                live_.http->setClientCertificate(live_.signer->certificate(),
                                                 live_.signer->privateKey(), chain);
            }
            live_.httpHasCert = withCert;
        }
        return *live_.http;
    }
    pdf::Signer& signer() override {
        if (!live_.signer) throw Error(ErrorKind::Internal, "signer used before login");
        return *live_.signer;
    }
    Clock& clock() override { return *impl_.d.clock; }
    const std::filesystem::path& workDir() override { return dir_; }

private:
    Engine::Impl& impl_;
    RenewalRecord& rec_;
    Engine::Impl::Live& live_;
    std::filesystem::path dir_;
};

}  // namespace

Engine::Engine(EngineDeps deps) : impl_(std::make_unique<Impl>(std::move(deps))) {}
Engine::~Engine() = default;
Journal& Engine::journal() { return *impl_->journal; }
const EngineSettings& Engine::settings() const { return impl_->d.settings; }

std::vector<RenewalRecord> Engine::list(bool openOnly) { return impl_->journal->list(openOnly); }

nlohmann::json Engine::progressEvent(const RenewalRecord& r) { return Impl::progressEvent(r); }
std::optional<RenewalRecord> Engine::find(const std::string& id) {
    return impl_->journal->load(id);
}
std::optional<RenewalRecord> Engine::findOpen(const std::string& token, const std::string& certId) {
    return impl_->journal->findOpen(token, certId);
}

RenewalRecord Engine::start(const StartRequest& request) {
    std::lock_guard lock(impl_->mutex);
    if (request.years < 1 || request.years > 3)
        throw Error(ErrorKind::Usage, _("the renewal period is 1, 2 or 3 years"));
    auto certId = token::toHex(token::fromHex(request.certId));  // normalised, validated
    std::string doc;
    if (!request.idDocument.empty())
        doc = std::filesystem::absolute(request.idDocument).lexically_normal().string();
    if (auto open = impl_->journal->findOpen(request.token, certId)) {
        // Resume. The period and the document may change only before the CA has the request.
        if (open->caReference.empty() && (open->years != request.years || (!doc.empty() &&
                                                                            doc != open->idDocument))) {
            open->years = request.years;
            if (!doc.empty()) open->idDocument = doc;
            impl_->journal->save(*open);
        } else if (!doc.empty() && open->idDocument.empty()) {
            open->idDocument = doc;
            impl_->journal->save(*open);
        }
        return *open;
    }
    // A certificate renewed once is not renewed again by accident (a second paid request):
    // the new one sits next to it on the token.
    for (const auto& r : impl_->journal->list())
        if (r.token == request.token && r.certId == certId && r.state == State::Done)
            throw Error(ErrorKind::State,
                        fmt::format(fmt::runtime(_("this certificate was already renewed (renewal "
                                                   "{0}); the new certificate is under id {1}")),
                                    r.id, r.candidateKeyId));
    RenewalRecord draft;
    draft.token = request.token;
    draft.certId = certId;
    draft.years = request.years;
    draft.idDocument = doc;
    draft.backend = impl_->d.settings.backend;
    draft.message = _("Renewal started");
    return impl_->journal->create(draft);
}

void Engine::answer(const std::string& id, Prompt prompt, Answer answer) {
    std::lock_guard lock(impl_->mutex);
    auto r = impl_->journal->load(id, false);
    if (!r) throw Error(ErrorKind::Usage, _("no such renewal"), id);
    if (answer != Answer::Later)
        impl_->journal->setValue(id, std::string("answer:") + promptName(prompt),
                                 answer == Answer::Yes ? "yes" : "no");
    if (r->prompt == prompt) {
        r->prompt = Prompt::None;
        if (r->state == State::NeedsUser) r->state = State::Running;
        impl_->journal->save(*r);
    }
}

namespace {

// One advance(): the steps from where the journal stands, until a wait or the end.
class Runner {
public:
    Runner(Engine::Impl& impl, RenewalRecord& rec, Engine::Impl::Live& live)
        : impl_(impl), d_(impl.d), rec_(rec), live_(live), ctx_(impl, rec, live) {}

    void run() {
        try {
            steps();
        } catch (const Halt&) {
        } catch (const Error& e) {
            onError(e);
        } catch (const std::exception& e) {
            onError(Error(ErrorKind::Internal, e.what()));
        }
        impl_.journal->save(rec_);
        impl_.publish(rec_);
    }

private:
    void steps() {
        preflight();
        login();
        if (!ctx_.value("cert_pem")) obtainCertificate();
        verifyAndInstall();
    }

    Backend& backend() {
        if (!live_.backend) live_.backend = d_.backendFactory(d_.settings);
        return *live_.backend;
    }

    void preflight() {
        bool first = rec_.step == Step::Preflight;
        if (first) ctx_.enterStep(Step::Preflight);
        // Token present, module loaded, the certificate there with its key; read each time
        // (a token may have been swapped while we waited).
        auto session = d_.tokens->open(rec_.token);
        auto der = session->certificate(token::fromHex(rec_.certId));
        if (!der)
            throw Error(ErrorKind::InvalidInput,
                        fmt::format(fmt::runtime(_("no certificate with id {0} on token {1}")),
                                    rec_.certId, rec_.token));
        renewedDer_ = *der;
        auto info = token::parseCertificate(*der);
        if (rec_.certSerial.empty()) {
            rec_.certSerial = upper(info.serialHex);
            rec_.subject = info.subject;
            rec_.commonName = info.commonName;
            rec_.notAfter = token::isoUtc(info.notAfter);
            impl_.journal->save(rec_);
        }
        notAfter_ = info.notAfter;
        if (info.notAfter <= d_.clock->now()) {
            fail(_("The certificate has expired, so it cannot be renewed online (an expired "
                   "certificate cannot log in to the certification authority). Apply for a new "
                   "certificate at your certification authority."),
                 "CLIENT_CERT_EXPIRED");
        }
        if (first) {
            auto o = backend().check(ctx_);  // reachable, TLS trusted (before any PIN)
            if (o.kind != Outcome::Kind::NeedsNewKey) handle(o);
        }
    }

    void login() {
        if (live_.signer) return;
        ctx_.enterStep(Step::Login);
        live_.http.reset();
        // One PIN entry, one C_Login; every later step uses this session.
        live_.signer = std::make_unique<signing::TokenSigner>(
            *d_.tokens, rec_.token, token::fromHex(rec_.certId), d_.pin,
            readText(d_.settings.caBundle));
    }

    void obtainCertificate() {
        Outcome o;
        auto csr = ctx_.value("csr_pem");
        if (csr && rec_.step >= Step::Certificate)
            o = backend().requestCertificate(ctx_, *csr);  // same key and body: a replay
        else
            o = backend().prepare(ctx_);
        for (int round = 0; round < 3; ++round) {
            if (o.kind == Outcome::Kind::Issued) {
                ctx_.setValue("chain_pem", o.chainPem);
                ctx_.setValue("cert_pem", o.certificatePem);
                return;
            }
            if (o.kind != Outcome::Kind::NeedsNewKey) handle(o);
            if (rec_.step <= Step::Validation)
                impl_.notify(rec_, _("Renewal accepted"),
                             _("ACCEPTATA - PREAPROBATA: the certification authority accepted "
                               "the request. The new certificate is being generated."),
                             "normal");
            ensureCandidate(o.allowedKeyTypes, round > 0);
            auto pem = ensureCsr(round > 0);
            ctx_.enterStep(Step::Certificate);
            o = backend().requestCertificate(ctx_, pem);
        }
        fail(_("the CA refused every new key"), "CSR_KEY_REJECTED");
    }

    token::KeyType chooseKeyType(const std::vector<std::string>& allowed) {
        auto old = token::parseCertificate(renewedDer_);
        std::string same = old.keyAlgorithm == "EC"
                               ? (old.keyBits > 256 ? "ec-p384" : "ec-p256")
                               : (old.keyBits >= 4096 ? "rsa4096"
                                                      : old.keyBits >= 3072 ? "rsa3072" : "rsa2048");
        std::vector<token::KeyType> onToken;
        if (impl_.d.tokenKeyTypes) onToken = impl_.d.tokenKeyTypes(live_.signer->session().token());
        auto tokenCan = [&](token::KeyType t) {
            return onToken.empty() || std::find(onToken.begin(), onToken.end(), t) != onToken.end();
        };
        // The old key's type first, then the CA's order; each must suit the CA and the token.
        std::vector<std::string> candidates{same};
        if (allowed.empty()) {
            for (auto t : onToken) candidates.push_back(token::keyTypeName(t));
        } else {
            candidates.insert(candidates.end(), allowed.begin(), allowed.end());
        }
        for (const auto& c : candidates) {
            auto t = token::parseKeyType(c);
            if (!t) continue;
            bool caAllows = allowed.empty() ||
                            std::find(allowed.begin(), allowed.end(), c) != allowed.end();
            if (caAllows && tokenCan(*t)) return *t;
        }
        std::string tokenList, caList;
        for (auto t : onToken) tokenList += (tokenList.empty() ? "" : ", ") + std::string(token::keyTypeName(t));
        for (const auto& a : allowed) caList += (caList.empty() ? "" : ", ") + a;
        fail(fmt::format(fmt::runtime(_("The token can make {0} keys but the certification "
                                        "authority accepts only {1}: no new key can be made "
                                        "for this renewal.")),
                         tokenList, caList),
             "NO_COMMON_KEY_TYPE");
    }

    void ensureCandidate(const std::vector<std::string>& allowed, bool fresh) {
        if (!rec_.candidateKeyId.empty() && !fresh) return;
        if (fresh) removeCandidate();
        ctx_.enterStep(Step::KeyGeneration);
        auto type = chooseKeyType(allowed);
        auto& session = live_.signer->session();
        auto key = session.generateKeyPair(
            type, fmt::format("certagent renewal {}", rec_.id.substr(0, 8)));
        // The candidate's id is journalled at once: an abandoned renewal removes exactly it.
        rec_.candidateKeyId = token::toHex(key.id);
        rec_.keyType = token::keyTypeName(type);
        impl_.journal->save(rec_);
        faultPoint("keygen:after");
    }

    std::string ensureCsr(bool fresh) {
        if (!fresh)
            if (auto pem = ctx_.value("csr_pem")) return *pem;
        ctx_.enterStep(Step::Csr);
        // The subject is the renewed certificate's, entry by entry (the CA compares DER).
        token::CsrRequest req;
        auto x = pemToDer(derToPem(renewedDer_, "CERTIFICATE"));
        const unsigned char* p = x.data();
        std::unique_ptr<X509, decltype(&X509_free)> cert(
            d2i_X509(nullptr, &p, static_cast<long>(x.size())), &X509_free);
        X509_NAME* name = X509_get_subject_name(cert.get());
        for (int i = 0; i < X509_NAME_entry_count(name); ++i) {
            X509_NAME_ENTRY* e = X509_NAME_get_entry(name, i);
            char oid[80];
            OBJ_obj2txt(oid, sizeof oid, X509_NAME_ENTRY_get_object(e), 0);
            unsigned char* utf8 = nullptr;
            int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
            if (n < 0) throw Error(ErrorKind::InvalidInput, "unreadable subject entry");
            req.subject.emplace_back(oid, std::string(reinterpret_cast<char*>(utf8),
                                                      static_cast<std::size_t>(n)));
            OPENSSL_free(utf8);
        }
        auto der = live_.signer->session().createCsr(token::fromHex(rec_.candidateKeyId), req);
        auto pem = derToPem(der, "CERTIFICATE REQUEST");
        ctx_.setValue("csr_pem", pem);  // the same CSR (same body) on every retry
        return pem;
    }

    void verifyAndInstall() {
        if (rec_.candidateKeyId.empty())
            fail(_("the CA issued a certificate but the journal has no key for it"), "NO_CANDIDATE");
        auto candidate = token::fromHex(rec_.candidateKeyId);
        auto& session = live_.signer->session();
        ctx_.enterStep(Step::Verify);
        auto publicKey = session.publicKey(candidate);
        IssuedCertificate issued;
        try {
            issued = verifyIssued(*ctx_.value("cert_pem"), ctx_.value("chain_pem").value_or(""),
                                  d_.settings.caBundle, renewedDer_, publicKey.get(),
                                  d_.clock->now());
        } catch (const Error& e) {
            fail(describe(e) + " " + _("Contact your certification authority."), "VERIFY_FAILED");
        }
        rec_.newCertSerial = upper(issued.info.serialHex);
        impl_.journal->save(rec_);
        ctx_.enterStep(Step::Install);
        session.installCertificate(candidate, issued.der);
        auto back = session.certificate(candidate);
        if (!back || *back != issued.der)
            throw Error(ErrorKind::Token, _("the certificate read back from the token differs"),
                        rec_.token);
        faultPoint("install:after");
        ctx_.enterStep(Step::Done);
        rec_.state = State::Done;
        rec_.message = _("The certificate was installed successfully.");
        impl_.notify(rec_, _("Certificate renewed"),
                     fmt::format(fmt::runtime(_("The certificate was installed successfully. It "
                                                "is valid until {0}.")),
                                 token::isoUtc(issued.info.notAfter)),
                     "normal");
    }

    // Outcome other than Issued/NeedsNewKey: record it and stop this advance().
    [[noreturn]] void handle(const Outcome& o) {
        switch (o.kind) {
            case Outcome::Kind::Wait:
                if (!o.reference.empty() && rec_.caReference.empty()) rec_.caReference = o.reference;
                rec_.state = rec_.prompt != Prompt::None ? State::NeedsUser : State::Waiting;
                rec_.message = o.reason;
                rec_.errorCode.clear();
                scheduleRetry(o.delay, d_.settings.maxWait);
                throw Halt{};
            case Outcome::Kind::Unreachable:
                rec_.state = State::Waiting;
                rec_.errorCode = "network";
                rec_.message = fmt::format(
                    fmt::runtime(_("The renewal service cannot be reached ({0}); retrying.")),
                    o.reason);
                scheduleRetry(1s, d_.settings.networkMaxWait);
                throw Halt{};
            case Outcome::Kind::Rejected:
                if (o.code == "RESPINSA")
                    impl_.notify(rec_, _("Renewal rejected"), o.reason, "critical");
                fail(o.reason, o.code);
            case Outcome::Kind::Misconfigured:
            default:
                rec_.state = State::NeedsUser;
                rec_.errorCode = o.code.empty() ? "Misconfigured" : o.code;
                rec_.message = o.reason;
                throw Halt{};
        }
    }

    // Exponential backoff with jitter, never past the renewed certificate's expiry.
    void scheduleRetry(std::chrono::seconds base, std::chrono::seconds cap) {
        auto now = d_.clock->now();
        // Tests and demos cap every pause (CERTAGENT_RENEWAL_MAX_POLL_S) to stay quick.
        if (const char* c = std::getenv("CERTAGENT_RENEWAL_MAX_POLL_S")) {
            auto capped = std::chrono::seconds(std::max(1, std::atoi(c)));
            cap = std::min(cap, capped);
            base = std::min(base, capped);
        }
        std::chrono::seconds delay{0};
        if (base.count() > 0) {
            double factor = std::pow(2.0, std::min(rec_.attempts, 12));
            delay = std::min<std::chrono::seconds>(
                cap, std::chrono::seconds(static_cast<long long>(base.count() * factor)));
            if (notAfter_ > now) {
                auto left = std::chrono::duration_cast<std::chrono::seconds>(notAfter_ - now);
                delay = std::min(delay, std::max(base, left / 4));
            }
            delay = jittered(delay);
        }
        ++rec_.attempts;
        rec_.nextAttempt = toIso8601(now + delay);
    }

    [[noreturn]] void fail(const std::string& message, const std::string& code) {
        rec_.state = State::Failed;
        rec_.message = message;
        rec_.errorCode = code;
        removeCandidate();
        throw Halt{};
    }

    // Only the renewal's own candidate, and only while no certificate sits under its id.
    void removeCandidate() {
        if (rec_.candidateKeyId.empty() || !live_.signer) return;
        try {
            auto& s = live_.signer->session();
            auto id = token::fromHex(rec_.candidateKeyId);
            if (s.certificate(id)) return;
            s.deleteObjects("private_key", id);
            s.deleteObjects("public_key", id);
            rec_.candidateKeyId.clear();
            impl_.journal->setValue(rec_.id, "csr_pem", "");
        } catch (const Error& e) {
            log::warn("renewal", "could not remove the candidate key: {}", describe(e));
        }
    }

    void onError(const Error& e) {
        rec_.errorCode = errorKindName(e.kind());
        rec_.message = describe(e);
        switch (e.kind()) {
            case ErrorKind::Network:
                rec_.state = State::Waiting;
                scheduleRetry(1s, d_.settings.networkMaxWait);
                return;
            case ErrorKind::TokenRemoved:
                rec_.message = _("The token is not connected. Plug it back in; the renewal "
                                 "continues where it stopped.");
                live_.signer.reset();
                live_.http.reset();
                rec_.state = State::NeedsUser;
                return;
            case ErrorKind::PinIncorrect:
            case ErrorKind::PinLocked:
            case ErrorKind::Cancelled:
                live_.signer.reset();
                rec_.state = State::NeedsUser;
                return;
            default:
                rec_.state = State::NeedsUser;
                return;
        }
    }

    Engine::Impl& impl_;
    EngineDeps& d_;
    RenewalRecord& rec_;
    Engine::Impl::Live& live_;
    Ctx ctx_;
    token::Bytes renewedDer_;
    TimePoint notAfter_{};
};

}  // namespace

RenewalRecord Engine::advance(const std::string& id) {
    std::lock_guard lock(impl_->mutex);
    auto rec = impl_->journal->load(id, true);
    if (!rec) throw Error(ErrorKind::Usage, _("no such renewal"), id);
    if (isFinal(rec->state)) return *rec;
    const auto now = std::chrono::steady_clock::now();
    bool keep = impl_->live && impl_->live->id == id &&
                (runDepth_ || now - impl_->lastAdvance < impl_->d.sessionIdle);
    if (!keep) {
        impl_->live = std::make_unique<Impl::Live>();
        impl_->live->id = id;
    }
    impl_->lastAdvance = now;
    if (rec->prompt == Prompt::None) rec->state = State::Running;
    rec->errorCode.clear();
    rec->history.clear();  // Ctx::enterStep's "first entry" test looks at this run only
    if (rec->step != Step::Preflight) rec->history.push_back({rec->step, "resumed", {}, {}});
    Runner(*impl_, *rec, *impl_->live).run();
    auto after = impl_->journal->load(id, true).value_or(*rec);
    // Outside run(), no session stays open unless the caller keeps it for an open renewal.
    if (!runDepth_ && (!impl_->d.keepSession || isFinal(after.state))) impl_->live.reset();
    return after;
}

RenewalRecord Engine::run(const std::string& id, const RunOptions& options) {
    std::lock_guard lock(impl_->mutex);
    ++runDepth_;
    struct Done {
        Engine& e;
        ~Done() {
            --e.runDepth_;
            e.impl_->live.reset();
        }
    } done{*this};
    auto started = std::chrono::steady_clock::now();
    for (;;) {
        auto r = advance(id);
        if (r.state != State::Waiting) return r;
        if (options.onWait) options.onWait(r);
        auto due = parseIso8601(r.nextAttempt);
        while (impl_->d.clock->now() < due) {
            if (options.cancelled && options.cancelled()) return r;
            if (options.maxTotalWait.count() > 0 &&
                std::chrono::steady_clock::now() - started > options.maxTotalWait)
                return r;
            std::this_thread::sleep_for(100ms);
        }
    }
}

RenewalRecord Engine::cancel(const std::string& id) {
    std::lock_guard lock(impl_->mutex);
    auto rec = impl_->journal->load(id, false);
    if (!rec) throw Error(ErrorKind::Usage, _("no such renewal"), id);
    if (isFinal(rec->state)) return *rec;
    if (impl_->journal->value(id, "cert_pem").value_or("") != "")
        throw Error(ErrorKind::State,
                    _("the certificate was already issued; let the renewal finish instead"), id);
    if (!impl_->live || impl_->live->id != id) {
        impl_->live = std::make_unique<Impl::Live>();
        impl_->live->id = id;
    }
    auto& live = *impl_->live;
    Ctx ctx(*impl_, *rec, live);
    if (!live.signer)
        live.signer = std::make_unique<signing::TokenSigner>(
            *impl_->d.tokens, rec->token, token::fromHex(rec->certId), impl_->d.pin,
            readText(impl_->d.settings.caBundle));
    if (!rec->caReference.empty() && rec->step <= Step::Payment) {
        if (!live.backend) live.backend = impl_->d.backendFactory(impl_->d.settings);
        live.backend->cancel(ctx);
    }
    if (!rec->candidateKeyId.empty()) {
        auto& s = live.signer->session();
        auto kid = token::fromHex(rec->candidateKeyId);
        if (!s.certificate(kid)) {
            s.deleteObjects("private_key", kid);
            s.deleteObjects("public_key", kid);
        }
    }
    rec->state = State::Cancelled;
    rec->message = _("The renewal was cancelled.");
    impl_->journal->stepEvent(*rec, rec->step, "cancelled");
    impl_->publish(*rec);
    if (!runDepth_) impl_->live.reset();
    return *rec;
}

}  // namespace certagent::renewal
