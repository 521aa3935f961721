// renewal: the certificate renewal flow (docs/renewal.md). The engine, its journal and the CA
// backends live in this plugin and reach the agent through the SDK's extensions only.
//
// Actions (runAction):
//   start {token, cert, years?, id_document?}  -> the record (a new or the open renewal)
//   enrol {token, subject, key_type?, reference?}
//                                 -> the record of a first enrolment (new, or the token's open
//                                 one): a new key pair and a CMP ir (docs/cmp.md)
//   run {id, old_certificate?: "offer"|"ask"|"remove"|"keep", secret_env?, secret?}
//                                 runs it to the end, asking at the terminal (the CLI); then
//                                 the old certificate as told (default: only offered). A shared
//                                 secret for the CA (CMP's MAC protection) comes from the
//                                 environment variable secret_env names, or as typed by the
//                                 person (secret); it lives only as long as the run.
//   remove_old {id}, keep_old {id}  the answer to that offer -> the record
//   advance {id}                  runs it until it must wait -> the record (no questions)
//   cancel {id}                   -> the record
//   list {open?}                  -> [records] with their history
//   renew {token, cert, years?, id_document?}, continue|<id>, cancel|<id>: the tray's menu
// In the tray and the daemon the work runs on the plugin's worker (service.hpp).
#include <fmt/format.h>
#include <openssl/crypto.h>
#include <certagent/sdk/plugin.hpp>

#include <cstdlib>
#include <memory>
#include <mutex>

#include "engine.hpp"
#include "failure.hpp"
#include "journal.hpp"
#include "service.hpp"

namespace certagent::renewal {
namespace {

using sdk::json;

// The CLI's questions: the declaration through certagent.ui/1 confirm (the terminal or
// --yes), the payment page opened in the browser.
class AskingPrompter final : public Prompter {
  public:
    using Say = std::function<void(const RenewalRecord&, const std::string&)>;
    AskingPrompter(sdk::Host& host, Say say) : host_(host), say_(std::move(say)) {}

    Answer signDeclaration(const RenewalRecord& r, const std::filesystem::path& pdf) override {
        say_(r, fmt::format(fmt::runtime(_("The declaration to sign is {0}; read it before you "
                                           "agree.")),
                            pdf.string()));
        try {
            auto a = host_.ask("confirm", {{"title", _("Sign the declaration")},
                                           {"text", _("Sign the declaration with the "
                                                      "certificate on the token?")}});
            if (!a) return Answer::No;
            return a->value("answer", false) ? Answer::Yes : Answer::No;
        } catch (const sdk::HostError&) {
            // Nobody can be asked here (no terminal): it waits for an answer.
            say_(r, _("Add --yes to sign the declaration without being asked."));
            return Answer::Later;
        }
    }

    Answer openPaymentPage(const RenewalRecord& r, const std::string& url) override {
        bool opened = false;
        try {
            opened = host_.open(url);
        } catch (const sdk::HostError&) {
        }
        say_(r, fmt::format(fmt::runtime(opened ? _("The payment page is open in your browser: "
                                                    "{0}")
                                                : _("Open this page in a browser and pay by "
                                                    "card: {0}")),
                            url));
        return Answer::Yes;
    }

    Answer removeOldCertificate(const RenewalRecord& r) override {
        try {
            auto a = host_.ask(
                "confirm",
                {{"title", _("Remove the old certificate")},
                 {"text", fmt::format(fmt::runtime(_("The new certificate is installed and "
                                                     "verified. Remove the old certificate "
                                                     "(id {0}) and its key from the token?")),
                                      r.certId)}});
            if (!a) return Answer::No;
            return a->value("answer", false) ? Answer::Yes : Answer::No;
        } catch (const sdk::HostError&) {
            return Answer::Later;  // nobody to ask: the offer stays open
        }
    }

  private:
    sdk::Host& host_;
    Say say_;
};

OldCertificateChoice choiceOf(const std::string& word) {
    if (word.empty() || word == "offer") return OldCertificateChoice::Offer;
    if (word == "ask") return OldCertificateChoice::Ask;
    if (word == "remove") return OldCertificateChoice::Remove;
    if (word == "keep") return OldCertificateChoice::Keep;
    throw Failure(code::kUsage, "old_certificate is offer, ask, remove or keep", word);
}

ca_status statusOf(const std::string& code) {
    if (code == code::kUsage || code == code::kInvalidInput) return CA_ERR_INVALID_ARGUMENT;
    if (code == code::kCancelled) return CA_ERR_DENIED;
    if (code == code::kNetwork || code == code::kTokenRemoved) return CA_ERR_RETRY;
    return CA_ERR_FAILED;
}

std::string text(const json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

void wipeSecret(std::string& s) noexcept {
    if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
    s.clear();
}

// The run's shared secret: from the variable `secret_env` names (read here, in the agent's
// process: it never is on a command line), else as the person typed it (`secret`).
std::string secretFrom(const json& args) {
    if (auto name = text(args, "secret_env"); !name.empty()) {
        const char* v = std::getenv(name.c_str());
        if (!v || !*v)
            throw Failure(code::kUsage,
                          fmt::format(fmt::runtime(_("the environment variable {0} (--secret-env) "
                                                     "is not set or empty")),
                                      name));
        return v;
    }
    return text(args, "secret");
}

class RenewalFlow final : public sdk::FlowPlugin {
  public:
    explicit RenewalFlow(sdk::Host& host)
        : FlowPlugin(host), service_(host, [this]() -> Engine& { return engine(); }) {
        host.events().subscribe("AgentStarted", [this](const json&) { service_.start(); });
        host.events().subscribe("UserAction", [this](const json& e) { service_.onAction(e); });
    }

    json menuItems(const json&) override {
        json items = json::array();
        try {
            for (const auto& r : engine().list(true))
                items.push_back({{"id", "continue|" + r.id},
                                 {"label", fmt::format(fmt::runtime(_("Continue the renewal: {0}")),
                                                       r.message)},
                                 {"section", "renewal"},
                                 {"token", r.token},
                                 {"cert", r.certId}});
        } catch (const std::exception& e) {
            host().warn(std::string("renewals not listed: ") + e.what());
        }
        return items;
    }

    json runAction(const std::string& id, const json& args) override {
        try {
            return act(id, args);
        } catch (const Failure& e) {
            throw sdk::PluginError(statusOf(e.code()), e.describe());
        }
    }

  private:
    json act(const std::string& id, const json& args) {
        auto bar = id.find('|');
        const auto verb = id.substr(0, bar);
        const auto rest = bar == std::string::npos ? std::string() : id.substr(bar + 1);
        auto& e = engine();
        if (verb == "start" || verb == "renew") {
            StartRequest s{text(args, "token"), text(args, "cert"),
                           args.value("years", e.settings().defaultYears),
                           text(args, "id_document")};
            auto r = e.start(s);
            if (verb == "start") return e.recordJson(r);
            keepGoing(r.id);
            return {{"message", _("Renewal started")}, {"renewal_id", r.id}};
        }
        if (verb == "enrol") {
            EnrolRequest q{text(args, "token"), text(args, "subject"), text(args, "key_type"),
                           text(args, "reference")};
            if (q.keyType.empty()) q.keyType = "ec-p256";
            return e.recordJson(e.enrol(q));
        }
        if (verb == "run") {
            auto asking = std::make_shared<AskingPrompter>(
                host(), [this](RenewalRecord r, const std::string& message) {
                    r.message = message;
                    host().events().publish(engine().progressEvent(r));
                });
            RunOptions options{.prompter = asking,
                               .oldCertificate = choiceOf(text(args, "old_certificate")),
                               .sharedSecret = secretFrom(args)};
            struct Wipe {
                std::string& s;
                ~Wipe() { wipeSecret(s); }
            } wipe{options.sharedSecret};
            return e.recordJson(e.run(text(args, "id"), options));
        }
        if (verb == "remove_old") return e.recordJson(e.removeOld(text(args, "id")));
        if (verb == "keep_old") return e.recordJson(e.keepOld(text(args, "id")));
        if (verb == "advance") return e.recordJson(e.advance(text(args, "id")));
        if (verb == "continue") {
            keepGoing(rest);
            return {{"message", _("Continue the renewal")}};
        }
        if (verb == "cancel") return e.recordJson(e.cancel(rest.empty() ? text(args, "id") : rest));
        if (verb == "list") {
            json out = json::array();
            for (const auto& r : e.list(args.value("open", false)))
                out.push_back(e.recordJson(e.find(r.id).value_or(r)));
            return out;
        }
        throw sdk::PluginError(CA_ERR_NOT_FOUND, "no such action: " + id);
    }

    // In the tray and the daemon the worker goes on; elsewhere it runs here until it waits.
    void keepGoing(const std::string& id) {
        if (service_.running())
            service_.advance(id);
        else
            engine().advance(id);
    }

    Engine& engine() {
        std::lock_guard lock(mutex_);
        if (!engine_) {
            auto settings = settingsFrom(host());
            std::filesystem::create_directories(settings.workDir);
            journal_ = std::make_unique<Journal>(
                std::filesystem::path(host().stateFolder()) / "journal.sqlite",
                [h = &host()] { return h->nowMs(); });
            engine_ = std::make_unique<Engine>(EngineDeps{.host = &host(),
                                                          .journal = journal_.get(),
                                                          .settings = std::move(settings),
                                                          .keepSession = true});
        }
        return *engine_;
    }

    std::mutex mutex_;
    std::unique_ptr<Journal> journal_;
    std::unique_ptr<Engine> engine_;
    RenewalService service_;  // last: its worker goes first
};

}  // namespace
}  // namespace certagent::renewal

CERTAGENT_PLUGIN(certagent::renewal::RenewalFlow, flow, "renewal", "2.0.0",
                 "Renews certificates on tokens: engine, journal and CA backends")
