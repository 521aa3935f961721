// renewal: the certificate renewal flow (docs/renewal.md). The engine, its journal and the CA
// backends live in this plugin and reach the agent through the SDK's extensions only.
//
// Actions (runAction):
//   start {token, cert, years?, id_document?}  -> the record (a new or the open renewal)
//   run {id}                      runs it to the end, asking at the terminal (the CLI)
//   advance {id}                  runs it until it must wait -> the record (no questions)
//   cancel {id}                   -> the record
//   list {open?}                  -> [records] with their history
//   renew {token, cert, years?, id_document?}, continue|<id>, cancel|<id>: the tray's menu
// In the tray and the daemon the work runs on the plugin's worker (service.hpp).
#include <fmt/format.h>
#include <certagent/sdk/plugin.hpp>

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

  private:
    sdk::Host& host_;
    Say say_;
};

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
                                 {"label", fmt::format(fmt::runtime(_("Renewal: {0}")), r.message)},
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
        if (verb == "run") {
            auto asking = std::make_shared<AskingPrompter>(
                host(), [this](RenewalRecord r, const std::string& message) {
                    r.message = message;
                    host().events().publish(engine().progressEvent(r));
                });
            return e.recordJson(e.run(text(args, "id"), {.prompter = asking}));
        }
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
