#include "engine.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <certagent/sdk/plugin.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <random>
#include <thread>

#include "cmp_backend.hpp"
#include "engine_context.hpp"
#include "engine_impl.hpp"
#include "fault.hpp"
#include "issued_certificate.hpp"

namespace certagent::renewal {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

// Ends the current advance() with the record in a final or waiting state.
struct Halt {};

std::chrono::seconds jittered(std::chrono::seconds d) {
    static thread_local std::mt19937 rng{std::random_device{}()};
    std::uniform_real_distribution<double> f(0.8, 1.2);
    return std::chrono::seconds(std::max<long long>(1, std::llround(double(d.count()) * f(rng))));
}

constexpr const char* kKeyTypes[] = {"ec-p256", "ec-p384", "rsa2048", "rsa3072", "rsa4096"};
bool knownKeyType(const std::string& t) {
    return std::find(std::begin(kKeyTypes), std::end(kKeyTypes), t) != std::end(kKeyTypes);
}

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
    return out;
}

// One advance(): the steps from where the journal stands, until a wait or the end.
class Runner {
  public:
    Runner(Engine::Impl& impl, RenewalRecord& rec, Engine::Impl::Live& live)
        : impl_(impl), d_(impl.d), rec_(rec), live_(live), ctx_(impl, rec, live) {}

    void run() {
        try {
            preflight();
            login();
            if (ctx_.value("cert_pem").value_or("").empty()) obtainCertificate();
            verifyAndInstall();
        } catch (const Halt&) {
        } catch (const Failure& e) {
            onError(e);
        } catch (const sdk::HostError& e) {
            onError(fromHost(e));
        } catch (const std::exception& e) {
            onError(Failure(code::kInternal, e.what()));
        }
        impl_.journal.save(rec_);
        impl_.publish(rec_);
    }

  private:
    Backend& backend() {
        if (!live_.backend) live_.backend = d_.backendFactory(rec_.backend);
        return *live_.backend;
    }

    // A first enrolment (Engine::enrol) renews nothing: no certificate, no old key.
    bool enrolment() const { return rec_.certId.empty(); }

    void preflight() {
        bool first = rec_.step == Step::Preflight;
        if (first) ctx_.enterStep(Step::Preflight);
        if (enrolment()) {
            impl_.certificatesOn(rec_.token);  // the token is there
            if (first)
                if (auto o = backend().check(ctx_); o.kind != Outcome::Kind::NeedsNewKey) handle(o);
            return;
        }
        // The token there, the certificate with it; read each time (a token may have been
        // swapped while we waited).
        auto certs = impl_.certificatesOn(rec_.token);
        auto it = certs.find(rec_.certId);
        if (it == certs.end())
            throw Failure(code::kInvalidInput,
                          fmt::format(fmt::runtime(_("no certificate with id {0} on token {1}")),
                                      rec_.certId, rec_.token));
        renewedDer_ = it->second;
        renewed_ = impl_.describe(renewedDer_);
        if (rec_.certSerial.empty()) {
            rec_.certSerial = renewed_.serialHex;
            rec_.subject = renewed_.subject;
            rec_.commonName = renewed_.commonName;
            rec_.notAfter = renewed_.notAfter;
            impl_.journal.save(rec_);
        }
        if (renewed_.notAfterMs <= impl_.host.nowMs())
            fail(_("The certificate has expired, so it cannot be renewed online (an expired "
                   "certificate cannot log in to the certification authority). Apply for a new "
                   "certificate at your certification authority."),
                 "CLIENT_CERT_EXPIRED");
        if (first) {
            auto o = backend().check(ctx_);  // reachable, TLS trusted (before any PIN)
            if (o.kind != Outcome::Kind::NeedsNewKey) handle(o);
        }
    }

    void login() {
        if (live_.session) return;
        ctx_.enterStep(Step::Login);
        impl_.session(live_, rec_);
    }

    void obtainCertificate() {
        Outcome o;
        auto csr = ctx_.value("csr_pem").value_or("");
        if (!csr.empty() && rec_.step >= Step::Certificate) {
            o = backend().requestCertificate(ctx_, requestFor(csr));  // same body: a replay
        } else {
            ctx_.enterStep(Step::Request);
            o = backend().prepare(ctx_);
        }
        for (int round = 0; round < 3; ++round) {
            if (o.kind == Outcome::Kind::Issued) {
                ctx_.setValue("chain_pem", o.chainPem);
                ctx_.setValue("cert_pem", o.certificatePem);
                return;
            }
            if (o.kind != Outcome::Kind::NeedsNewKey) handle(o);
            ensureCandidate(o.allowedKeyTypes, round > 0);
            auto request = ensureCsr(round > 0);
            ctx_.enterStep(Step::Certificate);
            o = backend().requestCertificate(ctx_, request);
        }
        fail(_("the CA refused every new key"), "CSR_KEY_REJECTED");
    }

    // The old key's type when the CA and the token both allow it, else the CA's order.
    std::string chooseKeyType(const std::vector<std::string>& allowed) {
        std::vector<std::string> onToken;
        auto info = live_.session->info();
        for (const auto& t : info.value("key_types", json::array()))
            if (t.is_string() && knownKeyType(t.get<std::string>()))
                onToken.push_back(t.get<std::string>());
        auto tokenCan = [&](const std::string& t) {
            return onToken.empty() || std::find(onToken.begin(), onToken.end(), t) != onToken.end();
        };
        std::vector<std::string> candidates{enrolment() ? rec_.keyType : renewed_.sameKeyType()};
        candidates.insert(candidates.end(), allowed.empty() ? onToken.begin() : allowed.begin(),
                          allowed.empty() ? onToken.end() : allowed.end());
        for (const auto& c : candidates) {
            bool caAllows =
                allowed.empty() || std::find(allowed.begin(), allowed.end(), c) != allowed.end();
            if (knownKeyType(c) && caAllows && tokenCan(c)) return c;
        }
        fail(fmt::format(fmt::runtime(_("The token can make {0} keys but the certification "
                                        "authority accepts only {1}: no new key can be made "
                                        "for this renewal.")),
                         join(onToken), join(allowed)),
             "NO_COMMON_KEY_TYPE");
    }

    void ensureCandidate(const std::vector<std::string>& allowed, bool fresh) {
        if (!rec_.candidateKeyId.empty() && !fresh) return;
        if (fresh) impl_.removeCandidate(live_, rec_);
        ctx_.enterStep(Step::KeyGeneration);
        auto type = chooseKeyType(allowed);
        auto key = live_.session->generateKeyPair(
            {{"label", fmt::format("certagent renewal {}", rec_.id.substr(0, 8))},
             {"key_type", type}});
        // The candidate's id is journalled at once: an abandoned renewal removes exactly it.
        rec_.candidateKeyId = key.value("id", std::string());
        rec_.keyType = type;
        impl_.journal.save(rec_);
        faultPoint("keygen:after");
    }

    CertificateRequest requestFor(const std::string& pem) {
        CertificateRequest r;
        r.csrPem = pem;
        r.csrDer = pemToDer(pem);
        r.candidateKeyId = rec_.candidateKeyId;
        r.candidatePublicKey = live_.session->publicKey(rec_.candidateKeyId);
        r.renewedCertificate = renewedDer_;
        return r;
    }

    CertificateRequest ensureCsr(bool fresh) {
        if (!fresh)
            if (auto pem = ctx_.value("csr_pem").value_or(""); !pem.empty()) return requestFor(pem);
        ctx_.enterStep(Step::Csr);
        // The subject is the renewed certificate's, entry by entry (the CA compares DER), or
        // the one asked for a first enrolment.
        const Bytes source = enrolment() ? parseDistinguishedName(rec_.subject) : renewedDer_;
        const unsigned char* p = source.data();
        const auto size = static_cast<long>(source.size());
        std::unique_ptr<X509, decltype(&X509_free)> cert(
            enrolment() ? nullptr : d2i_X509(nullptr, &p, size), &X509_free);
        std::unique_ptr<X509_NAME, decltype(&X509_NAME_free)> asked(
            enrolment() ? d2i_X509_NAME(nullptr, &p, size) : nullptr, &X509_NAME_free);
        X509_NAME* name = cert ? X509_get_subject_name(cert.get()) : asked.get();
        if (!name) throw Failure(code::kInvalidInput, "the subject cannot be read");
        json subject = json::array();
        for (int i = 0; i < X509_NAME_entry_count(name); ++i) {
            X509_NAME_ENTRY* e = X509_NAME_get_entry(name, i);
            char oid[80];
            OBJ_obj2txt(oid, sizeof oid, X509_NAME_ENTRY_get_object(e), 0);
            unsigned char* utf8 = nullptr;
            int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
            if (n < 0) throw Failure(code::kInvalidInput, "unreadable subject entry");
            subject.push_back(
                {oid, std::string(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(n))});
            OPENSSL_free(utf8);
        }
        auto der = live_.session->createCsr({{"id", rec_.candidateKeyId}, {"subject", subject}});
        auto pem = derToPem(der, "CERTIFICATE REQUEST");
        ctx_.setValue("csr_pem", pem);  // the same CSR (same body) on every retry
        return requestFor(pem);
    }

    void verifyAndInstall() {
        if (rec_.candidateKeyId.empty())
            fail(_("the CA issued a certificate but the journal has no key for it"),
                 "NO_CANDIDATE");
        ctx_.enterStep(Step::Verify);
        auto publicKey = live_.session->publicKey(rec_.candidateKeyId);
        IssuedCertificate issued;
        try {
            issued = verifyIssued(
                ctx_.value("cert_pem").value_or(""), ctx_.value("chain_pem").value_or(""),
                d_.settings.caBundle, renewedDer_, publicKey, impl_.host.nowMs(),
                [this](const Bytes& der) { return impl_.describe(der); },
                enrolment() ? parseDistinguishedName(rec_.subject) : Bytes{});
        } catch (const Failure& e) {
            fail(e.describe() + " " + _("Contact your certification authority."), "VERIFY_FAILED");
        }
        rec_.newCertSerial = issued.facts.serialHex;
        impl_.journal.save(rec_);
        ctx_.enterStep(Step::Install);
        // Written under the candidate's id, its key checked and read back by the agent.
        live_.session->writeCertificate(rec_.candidateKeyId, {}, issued.der);
        faultPoint("install:after");
        // The old certificate as it was renewed: removeOld deletes exactly this one, if asked.
        if (!enrolment() && !ctx_.value("old_cert_pem"))
            ctx_.setValue("old_cert_pem", derToPem(renewedDer_, "CERTIFICATE"));
        ctx_.enterStep(Step::Done);
        rec_.state = State::Done;
        if (!enrolment()) {
            rec_.oldCertificate = OldCertificate::Offered;
            impl_.journal.stepEvent(rec_, Step::Done, "old_certificate", "offered", rec_.certId);
        }
        rec_.message = _("The certificate was installed successfully.");
        impl_.notify(rec_, _("Certificate renewed"),
                     fmt::format(fmt::runtime(_("The certificate was installed successfully. It "
                                                "is valid until {0}.")),
                                 issued.facts.notAfter),
                     "normal");
    }

    // An outcome other than Issued/NeedsNewKey: record it and stop this advance().
    [[noreturn]] void handle(const Outcome& o) {
        switch (o.kind) {
            case Outcome::Kind::Wait:
                if (!o.reference.empty() && rec_.caReference.empty())
                    rec_.caReference = o.reference;
                rec_.state = rec_.prompt != Prompt::None ? State::NeedsUser : State::Waiting;
                rec_.message = o.reason;
                rec_.errorCode.clear();
                scheduleRetry(o.delay, d_.settings.maxWait);
                throw Halt{};
            case Outcome::Kind::Unreachable:
                rec_.state = State::Waiting;
                rec_.errorCode = code::kNetwork;
                rec_.message = fmt::format(
                    fmt::runtime(_("The renewal service cannot be reached ({0}); retrying.")),
                    o.reason);
                scheduleRetry(1s, d_.settings.networkMaxWait);
                throw Halt{};
            case Outcome::Kind::Rejected:
                fail(o.reason, o.code);
            case Outcome::Kind::Misconfigured:
            default:
                rec_.state = State::NeedsUser;
                rec_.errorCode = o.code.empty() ? "Misconfigured" : o.code;
                rec_.message = o.reason;
                throw Halt{};
        }
    }

    // Exponential backoff with jitter, never past a quarter of the time left before the
    // renewed certificate expires.
    void scheduleRetry(std::chrono::seconds base, std::chrono::seconds cap) {
        const int64_t now = impl_.host.nowMs();
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
                cap, std::chrono::seconds(static_cast<long long>(double(base.count()) * factor)));
            if (renewed_.notAfterMs > now) {
                std::chrono::seconds left((renewed_.notAfterMs - now) / 1000);
                delay = std::min(delay, std::max(base, left / 4));
            }
            delay = jittered(delay);
        }
        ++rec_.attempts;
        rec_.nextAttempt = isoUtc(now + delay.count() * 1000);
    }

    [[noreturn]] void fail(const std::string& message, const std::string& code) {
        rec_.state = State::Failed;
        rec_.message = message;
        rec_.errorCode = code;
        impl_.removeCandidate(live_, rec_);
        throw Halt{};
    }

    // The one place where a failure becomes the renewal's state.
    void onError(const Failure& e) {
        rec_.errorCode = e.code();
        rec_.message = e.describe();
        const auto& c = e.code();
        if (c == code::kNetwork) {
            rec_.state = State::Waiting;
            scheduleRetry(1s, d_.settings.networkMaxWait);
            return;
        }
        if (c == code::kTokenRemoved) {
            rec_.message =
                _("The token is not connected. Plug it back in; the renewal continues "
                  "where it stopped.");
            live_.session.reset();
        } else if (c == code::kPinIncorrect || c == code::kPinLocked || c == code::kCancelled) {
            live_.session.reset();
        }
        rec_.state = State::NeedsUser;
    }

    Engine::Impl& impl_;
    EngineDeps& d_;
    RenewalRecord& rec_;
    Engine::Impl::Live& live_;
    EngineContext ctx_;
    Bytes renewedDer_;
    CertificateFacts renewed_;
};

}  // namespace

Engine::Engine(EngineDeps deps) : impl_(std::make_unique<Impl>(std::move(deps))) {}
Engine::~Engine() = default;
const Settings& Engine::settings() const { return impl_->d.settings; }
std::vector<RenewalRecord> Engine::list(bool openOnly) { return impl_->journal.list(openOnly); }
std::optional<RenewalRecord> Engine::find(const std::string& id) { return impl_->journal.load(id); }
std::optional<RenewalRecord> Engine::findOpen(const std::string& token, const std::string& certId) {
    return impl_->journal.findOpen(token, certId);
}
nlohmann::json Engine::recordJson(const RenewalRecord& r) { return impl_->recordJson(r); }
nlohmann::json Engine::progressEvent(const RenewalRecord& r) { return impl_->progressEvent(r); }
std::string Engine::whereTitle(const RenewalRecord& r) {
    return renewal::whereTitle(r, impl_->phasesOf(r.backend));
}

namespace {

// [renewal] backend, unless the certificate's issuer is one [renewal.cmp] issuers names.
std::string backendFor(Engine::Impl& impl, const std::string& token, const std::string& certId) {
    const auto& s = impl.d.settings;
    if (s.cmpIssuers.empty()) return s.backend;
    auto certs = impl.certificatesOn(token);
    auto it = certs.find(certId);
    if (it == certs.end()) return s.backend;
    const unsigned char* p = it->second.data();
    std::unique_ptr<X509, decltype(&X509_free)> cert(
        d2i_X509(nullptr, &p, static_cast<long>(it->second.size())), &X509_free);
    if (!cert) return s.backend;
    for (const auto& issuer : s.cmpIssuers) {
        auto der = parseDistinguishedName(issuer);
        const unsigned char* q = der.data();
        std::unique_ptr<X509_NAME, decltype(&X509_NAME_free)> name(
            der.empty() ? nullptr : d2i_X509_NAME(nullptr, &q, static_cast<long>(der.size())),
            &X509_NAME_free);
        if (name && X509_NAME_cmp(name.get(), X509_get_issuer_name(cert.get())) == 0) return "cmp";
    }
    return s.backend;
}

}  // namespace

RenewalRecord Engine::start(const StartRequest& request) {
    std::lock_guard lock(impl_->mutex);
    if (request.years < 1 || request.years > 3)
        throw Failure(code::kUsage, _("the renewal period is 1, 2 or 3 years"));
    auto certId = toHex(fromHex(request.certId));  // normalised, validated
    std::string doc;
    if (!request.idDocument.empty())
        doc = std::filesystem::absolute(request.idDocument).lexically_normal().string();
    auto& journal = impl_->journal;
    if (auto open = journal.findOpen(request.token, certId)) {
        // Resume. The period and the document may change only before the CA has the request.
        if (open->caReference.empty() &&
            (open->years != request.years || (!doc.empty() && doc != open->idDocument))) {
            open->years = request.years;
            if (!doc.empty()) open->idDocument = doc;
            journal.save(*open);
        } else if (!doc.empty() && open->idDocument.empty()) {
            open->idDocument = doc;
            journal.save(*open);
        }
        return *open;
    }
    // A certificate renewed once is not renewed again by accident (a second paid request):
    // the new one sits next to it on the token.
    for (const auto& r : journal.list())
        if (r.token == request.token && r.certId == certId && r.state == State::Done)
            throw Failure(code::kState,
                          fmt::format(fmt::runtime(_("this certificate was already renewed "
                                                     "(renewal {0}); the new certificate is "
                                                     "under id {1}")),
                                      r.id, r.candidateKeyId));
    RenewalRecord draft;
    draft.token = request.token;
    draft.certId = certId;
    draft.years = request.years;
    draft.idDocument = doc;
    draft.backend = backendFor(*impl_, request.token, certId);
    draft.message = _("Renewal started");
    return journal.create(draft);
}

RenewalRecord Engine::enrol(const EnrolRequest& request) {
    std::lock_guard lock(impl_->mutex);
    if (parseDistinguishedName(request.subject).empty())
        throw Failure(code::kUsage,
                      _("the subject is not a name such as \"/CN=Ion Popescu/O=Example\""),
                      request.subject);
    if (!knownKeyType(request.keyType))
        throw Failure(
            code::kUsage,
            fmt::format(
                fmt::runtime(_("unknown key type {0}; use one of {1}")), request.keyType,
                join(std::vector<std::string>(std::begin(kKeyTypes), std::end(kKeyTypes)))));
    auto& journal = impl_->journal;
    if (auto open = journal.findOpen(request.token, "")) return *open;
    RenewalRecord draft;
    draft.token = request.token;
    draft.subject = request.subject;
    draft.keyType = request.keyType;
    draft.backend = "cmp";
    draft.message = _("Enrolment started");
    auto r = journal.create(draft);
    if (!request.reference.empty()) journal.setValue(r.id, kCmpReferenceKey, request.reference);
    return r;
}

void Engine::answer(const std::string& id, Prompt prompt, Answer answer) {
    std::lock_guard lock(impl_->mutex);
    auto r = impl_->journal.load(id, false);
    if (!r) throw Failure(code::kUsage, _("no such renewal"), id);
    if (answer != Answer::Later)
        impl_->journal.setValue(id, std::string("answer:") + promptName(prompt),
                                answer == Answer::Yes ? "yes" : "no");
    if (r->prompt == prompt) {
        r->prompt = Prompt::None;
        if (r->state == State::NeedsUser) r->state = State::Running;
        impl_->journal.save(*r);
    }
}

RenewalRecord Engine::advance(const std::string& id) {
    std::lock_guard lock(impl_->mutex);
    auto rec = impl_->journal.load(id, true);
    if (!rec) throw Failure(code::kUsage, _("no such renewal"), id);
    if (isFinal(rec->state)) return *rec;
    const auto now = std::chrono::steady_clock::now();
    bool keep = impl_->live && impl_->live->id == id &&
                (impl_->runDepth || now - impl_->lastAdvance < impl_->d.sessionIdle);
    if (!keep) {
        impl_->live = std::make_unique<Impl::Live>();
        impl_->live->id = id;
    }
    impl_->lastAdvance = now;
    if (rec->prompt == Prompt::None) rec->state = State::Running;
    rec->errorCode.clear();
    rec->history.clear();  // EngineContext::enterStep's "first entry" test looks at this run only
    if (rec->step != Step::Preflight)
        rec->history.push_back({rec->step, rec->phase, "resumed", {}, {}});
    Runner(*impl_, *rec, *impl_->live).run();
    auto after = impl_->journal.load(id, true).value_or(*rec);
    // Outside run(), no session stays open unless the caller keeps it for an open renewal, and
    // the token lets it be held while the renewal waits (not an ePass2003: its secure messaging
    // breaks other programs' sessions meanwhile; the PIN is then asked again at the next step).
    if (!impl_->runDepth &&
        (!impl_->d.keepSession || isFinal(after.state) || !impl_->live->mayHoldWhileIdle()))
        impl_->live.reset();
    return after;
}

RenewalRecord Engine::run(const std::string& id, const RunOptions& options) {
    std::lock_guard lock(impl_->mutex);
    ++impl_->runDepth;
    auto previous = impl_->prompter;
    if (options.prompter) impl_->prompter = options.prompter;
    impl_->runSecret = options.sharedSecret;
    struct Done {
        Impl& impl;
        std::shared_ptr<Prompter> previous;
        ~Done() {
            --impl.runDepth;
            impl.prompter = previous;
            impl.live.reset();
            if (!impl.runSecret.empty())
                OPENSSL_cleanse(impl.runSecret.data(), impl.runSecret.size());
            impl.runSecret.clear();
        }
    } done{*impl_, previous};
    auto started = std::chrono::steady_clock::now();
    for (;;) {
        auto r = advance(id);
        if (r.state == State::Done) return settleOldCertificate(r, options.oldCertificate);
        if (r.state != State::Waiting) return r;
        const auto due = parseIsoUtc(r.nextAttempt);
        while (impl_->host.nowMs() < due) {
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
    auto rec = impl_->journal.load(id, false);
    if (!rec) throw Failure(code::kUsage, _("no such renewal"), id);
    if (isFinal(rec->state)) return *rec;
    if (!impl_->journal.value(id, "cert_pem").value_or("").empty())
        throw Failure(code::kState,
                      _("the certificate was already issued; let the renewal finish instead"), id);
    if (!impl_->live || impl_->live->id != id) {
        impl_->live = std::make_unique<Impl::Live>();
        impl_->live->id = id;
    }
    auto& live = *impl_->live;
    try {
        EngineContext ctx(*impl_, *rec, live);
        impl_->session(live, *rec);
        // The backend knows until when its CA takes a cancellation (the portal: before payment).
        if (!rec->caReference.empty()) {
            if (!live.backend) live.backend = impl_->d.backendFactory(rec->backend);
            live.backend->cancel(ctx);
        }
        if (!rec->candidateKeyId.empty() &&
            !impl_->certificatesOn(rec->token).count(rec->candidateKeyId))
            live.session->deleteObjects(rec->candidateKeyId, {"private_key", "public_key"});
    } catch (const sdk::HostError& e) {
        if (!impl_->runDepth) impl_->live.reset();
        throw fromHost(e);
    }
    rec->state = State::Cancelled;
    rec->message = _("The renewal was cancelled.");
    impl_->journal.stepEvent(*rec, rec->step, rec->phase, "cancelled");
    impl_->publish(*rec);
    if (!impl_->runDepth) impl_->live.reset();
    return *rec;
}

}  // namespace certagent::renewal
