#include "engine_context.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "fault.hpp"

namespace certagent::renewal {
namespace {

using json = nlohmann::json;

// The agent's HTTPS client (certagent.http/1). Logged in: the token's certificate for TLS
// client authentication, and one kept connection for the whole renewal.
class HostHttp final : public Http {
  public:
    HostHttp(sdk::Host& host, const Settings& s, uint64_t session, std::string certId)
        : host_(host), settings_(s), session_(session), certId_(std::move(certId)) {}

    HttpResponse perform(const HttpRequest& r) override {
        json headers = json::object();
        for (const auto& [k, v] : r.headers) headers[k] = v;
        if (!r.contentType.empty()) headers["Content-Type"] = r.contentType;
        json req = {{"method", r.method},
                    {"url", r.url},
                    {"headers", headers},
                    {"timeout_ms", settings_.httpTimeout.count()}};
        if (!settings_.caBundle.empty()) req["ca_bundle"] = settings_.caBundle.string();
        if (r.allowPlainHttpToLoopback) req["allow_plain_http"] = "loopback";
        if (session_ && !certId_.empty()) {  // a first enrolment has no certificate yet
            req["client_certificate"] = {{"session", session_}, {"id", certId_}};
            req["keep"] = true;
        } else if (!headers.contains("Connection")) {
            // A client for this request only: say so, or a server keeping the connection for
            // the next message sees it drop (OpenSSL's CMP server then ends the transaction).
            req["headers"]["Connection"] = "close";
        }
        try {
            auto a = host_.http(req, r.body);
            HttpResponse out;
            out.status = a.status;
            out.body = std::move(a.body);
            for (const auto& [k, v] : a.headers.items()) {
                std::string name = k;
                std::transform(name.begin(), name.end(), name.begin(),
                               [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
                if (v.is_string()) out.headers[name] = v.get<std::string>();
            }
            return out;
        } catch (const sdk::HostError& e) {
            throw fromHost(e);
        }
    }

  private:
    sdk::Host& host_;
    const Settings& settings_;
    uint64_t session_;
    std::string certId_;
};

}  // namespace

Settings settingsFrom(sdk::Host& host) {
    Settings s;
    auto text = [&](const char* key) {
        auto v = host.config(key);
        return v.is_string() ? v.get<std::string>() : std::string();
    };
    if (auto b = text("renewal.backend"); !b.empty()) s.backend = b;
    s.caBundle = text("renewal.ca_bundle");
    if (auto l = host.config("renewal.cmp.issuers"); l.is_array())
        for (const auto& i : l)
            if (i.is_string()) s.cmpIssuers.push_back(i.get<std::string>());
    if (auto y = host.config("renewal.years"); y.is_number_integer()) s.defaultYears = y.get<int>();
    s.workDir = std::filesystem::path(host.stateFolder()) / "renewals";
    return s;
}

EngineContext::EngineContext(Engine::Impl& impl, RenewalRecord& rec, Engine::Impl::Live& live)
    : impl_(impl), rec_(rec), live_(live) {
    dir_ = impl.d.settings.workDir / rec.id;
    std::filesystem::create_directories(dir_);
    std::filesystem::permissions(dir_, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace);
}

void EngineContext::save() { impl_.journal.save(rec_); }

std::optional<std::string> EngineContext::value(const std::string& key) {
    return impl_.journal.value(rec_.id, key);
}

void EngineContext::setValue(const std::string& key, const std::string& v) {
    impl_.journal.setValue(rec_.id, key, v);
}

std::string EngineContext::idempotencyKey(const std::string& call) {
    auto k = "idem:" + call;
    if (auto v = value(k)) return *v;
    auto key = "certagent-" + rec_.id + "-" + call;
    setValue(k, key);  // durable before the call that carries it
    return key;
}

void EngineContext::enterStep(Step step) {
    if (step <= rec_.step && !(step == Step::Preflight && rec_.history.empty())) return;
    moveTo(step, {}, stepTitle(step));
    faultPoint(stepName(step));
}

void EngineContext::enterPhase(const std::string& phase) {
    if (rec_.step != Step::Request) return;  // a backend re-reading the CA later on
    const auto& phases = impl_.phasesOf(rec_.backend);
    auto index = [&](const std::string& id) {
        for (std::size_t i = 0; i < phases.size(); ++i)
            if (phases[i].id == id) return static_cast<int>(i);
        return -1;
    };
    int next = index(phase);
    if (next < 0) throw Failure(code::kInternal, "the backend entered an undeclared phase", phase);
    if (next <= index(rec_.phase)) return;
    moveTo(Step::Request, phase, phases[static_cast<std::size_t>(next)].title);
    faultPoint(phase);
}

void EngineContext::progress(const std::string& message) {
    rec_.message = message;
    impl_.publish(rec_);
}

void EngineContext::notify(const std::string& title, const std::string& body,
                           const std::string& urgency) {
    impl_.notify(rec_, title, body, urgency.c_str());
}

Answer EngineContext::ask(Prompt prompt) {
    auto k = std::string("answer:") + promptName(prompt);
    if (auto v = value(k)) {
        if (*v == "yes") return Answer::Yes;
        if (*v == "no") return Answer::No;
    }
    Answer a = Answer::Later;
    if (prompt == Prompt::SignDeclaration)
        a = impl_.prompter->signDeclaration(rec_, rec_.declarationPath);
    else if (prompt == Prompt::OpenPaymentPage)
        a = impl_.prompter->openPaymentPage(rec_, rec_.paymentUrl);
    if (a == Answer::Later) {
        rec_.prompt = prompt;
        save();
    } else {
        setValue(k, a == Answer::Yes ? "yes" : "no");
    }
    return a;
}

Http& EngineContext::http() {
    uint64_t session = live_.session ? live_.session->id() : 0;
    if (!http_ || httpSession_ != session) {
        http_ = std::make_unique<HostHttp>(impl_.host, impl_.d.settings, session, rec_.certId);
        httpSession_ = session;
    }
    return *http_;
}

Bytes EngineContext::signDigest(const std::string& keyId, const std::string& hash,
                                std::span<const uint8_t> digest) {
    if (!live_.session) throw Failure(code::kInternal, "signing before login");
    try {
        return live_.session->signDigest(keyId, hash, digest);
    } catch (const sdk::HostError& e) {
        throw fromHost(e);
    }
}

void EngineContext::signPdf(const std::filesystem::path& in, const std::filesystem::path& out,
                            const std::string& reason) {
    if (!live_.session) throw Failure(code::kInternal, "signing before login");
    try {
        impl_.host.signDocument({{"in", in.string()},
                                 {"out", out.string()},
                                 {"token", rec_.token},
                                 {"cert", rec_.certId},
                                 {"reason", reason},
                                 {"session", live_.session->id()}});
    } catch (const sdk::HostError& e) {
        throw fromHost(e);
    }
}

PdfFacts EngineContext::inspectPdf(const std::filesystem::path& pdf, double minDpi) {
    try {
        auto j = impl_.host.inspectDocument({{"path", pdf.string()}, {"min_dpi", minDpi}});
        PdfFacts f;
        f.fileSize = j.value("file_size", uint64_t{0});
        f.pages = j.value("pages", 0);
        f.minImageDpi = j.value("min_image_dpi", 0.0);
        f.resolutionOk = j.value("resolution_ok", true);
        return f;
    } catch (const sdk::HostError& e) {
        throw fromHost(e);
    }
}

void EngineContext::moveTo(Step step, const std::string& phase, const std::string& title) {
    const auto previousStep = rec_.step;
    const auto previousPhase = rec_.phase;
    const bool moved = previousStep != step || previousPhase != phase;
    rec_.step = step;
    rec_.phase = phase;
    rec_.state = State::Running;
    if (moved) rec_.attempts = 0;  // a new position starts its own backoff
    rec_.message = title;
    rec_.history.push_back({step, phase, "started", {}, {}});  // "entered in this run"
    std::vector<HistoryEntry> entries;
    if (moved) entries.push_back({previousStep, previousPhase, "done", {}, {}});
    entries.push_back({step, phase, "started", {}, {}});
    impl_.journal.stepEvents(rec_, entries);
    impl_.publish(rec_);
    impl_.host.info(fmt::format("{}: {} {}", rec_.id, stepName(step), phase));
}

int64_t EngineContext::nowMs() { return impl_.host.nowMs(); }
void EngineContext::warn(const std::string& message) { impl_.host.warn(message); }

}  // namespace certagent::renewal
