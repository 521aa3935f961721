// The consent sources that live in core: refuse and test. The tray app's dialog ("ask") comes
// from the program, through the composition root's consent adapter.
//
// Why the test source cannot be enabled by accident: it needs two independent switches, the
// config value [server] consent = "test" (which is not the default and is named "test") AND the
// environment variable CERTAGENT_TEST_CONSENT_PIN_ENV naming a second variable that holds the
// PIN. Without both, the server refuses to start rather than fall back. While it is on, every
// request is logged as a warning saying that consent was granted by the test source.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "certagent/core/config.hpp"
#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"
#include "certagent/core/server/consent.hpp"

namespace certagent::server {
namespace {

class RefuseConsent final : public Consent {
public:
    ConsentAnswer ask(const ConsentRequest& request) override {
        log::info("server", "signing request from {} refused: [server] consent = \"refuse\"",
                  log::escape(request.origin));
        return {};
    }
    std::string name() const override { return "refuse"; }
};

class TestConsent final : public Consent {
public:
    TestConsent(std::string pin_variable, int delay_ms)
        : pin_variable_(std::move(pin_variable)), delay_ms_(delay_ms) {}

    ConsentAnswer ask(const ConsentRequest& request) override {
        // Waits like a dialog would, and like a dialog stops when the page has gone.
        for (int waited = 0; waited < delay_ms_; waited += 20) {
            if (request.cancelled && request.cancelled()) return {};
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        log::warn("server", "TEST consent granted a {} signature for {} (never use in production)",
                  signKindName(request.kind), log::escape(request.origin));
        ConsentAnswer answer;
        answer.granted = true;
        answer.pin = secretFromEnv(pin_variable_);
        return answer;
    }
    std::string name() const override { return "test"; }

private:
    std::string pin_variable_;
    int delay_ms_;
};


}  // namespace

const char* signKindName(SignKind kind) noexcept {
    return kind == SignKind::Pdf ? "pdf" : "hash";
}

std::shared_ptr<Consent> makeRefuseConsent() { return std::make_shared<RefuseConsent>(); }

std::shared_ptr<Consent> makeTestConsent() {
    const char* name = std::getenv("CERTAGENT_TEST_CONSENT_PIN_ENV");
    if (!name || !*name)
        throw Error(ErrorKind::Config,
                    _("[server] consent = \"test\" needs the environment variable "
                      "CERTAGENT_TEST_CONSENT_PIN_ENV; the server does not start without it"));
    const char* value = std::getenv(name);
    if (!value || !*value)
        throw Error(ErrorKind::Config,
                    _("the variable named by CERTAGENT_TEST_CONSENT_PIN_ENV is unset or empty"),
                    name);
    int delay = 0;
    if (const char* d = std::getenv("CERTAGENT_TEST_CONSENT_DELAY_MS"))
        delay = std::clamp(std::atoi(d), 0, 60000);
    log::warn("server", "consent source is TEST: every signing request is granted automatically");
    return std::make_shared<TestConsent>(name, delay);
}

std::shared_ptr<Consent> consentFromConfig(const config::Config& config,
                                           const ConsentFactory& ask) {
    const auto mode = config.getString("server.consent");
    if (mode == "test") return makeTestConsent();
    if (mode == "ask") {
        if (ask)
            if (auto consent = ask()) return consent;
        log::warn("server",
                  "[server] consent = \"ask\" but no dialog is available (headless): refusing");
    }
    return makeRefuseConsent();
}

}  // namespace certagent::server
