#pragma once
// A running LocalServer on 127.0.0.1/::1 (a free port) over a SoftHSM2 token with a qualified
// certificate (CKA_ID a1, PIN 246810), and a consent that records what it was shown.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "certagent/core/server/local_server.hpp"
#include "certagent/core/signing/verify.hpp"
#include "http_probe.hpp"
#include "softhsm.hpp"
#include "temp_dir.hpp"

namespace certagent::testing {

inline constexpr const char* kAllowedOrigin = "https://portal.example";
inline constexpr const char* kPin = "246810";

class RecordingConsent final : public server::Consent {
public:
    server::ConsentAnswer ask(const server::ConsentRequest& r) override {
        {
            std::lock_guard lock(mutex);
            seen.push_back(r);
        }
        // Waits like a person would, but notices when the page's connection closed (as the
        // dialog does: it closes itself). The answer is still "granted": the server must not
        // log in or sign for a client that has gone, whatever the consent says.
        for (int waited = 0; waited < delay_ms; waited += 20) {
            if (r.cancelled && r.cancelled()) {
                std::lock_guard lock(mutex);
                ++cancelled_seen;
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        server::ConsentAnswer a;
        a.granted = grant;
        if (grant) a.pin = SecretString(pin);
        return a;
    }
    std::string name() const override { return "recording"; }

    std::mutex mutex;
    std::vector<server::ConsentRequest> seen;
    bool grant = true;
    std::string pin = kPin;
    int delay_ms = 0;
    int cancelled_seen = 0;  // requests whose client left while the consent was asked
};

struct ServerFixture : ::testing::Test {
    TempDir dir{"certagent-server"};
    SoftHsm hsm;
    SoftHsmToken* token = nullptr;
    TestCert cert;
    std::shared_ptr<RecordingConsent> consent = std::make_shared<RecordingConsent>();
    std::unique_ptr<server::LocalServer> server;
    std::string base;

    void SetUp() override;
    void TearDown() override { server.reset(); }
    void start(server::ServerOptions options = {});

    HttpAnswer get(const std::string& path, std::vector<std::string> headers = {
                                                {std::string("Origin: ") + kAllowedOrigin}});
    HttpAnswer post(const std::string& path, const std::string& body,
                    std::vector<std::string> headers = {
                        std::string("Origin: ") + kAllowedOrigin,
                        "Content-Type: application/json"});
    nlohmann::json certificateRef() const {
        return {{"token", token->serial}, {"id", cert.idHex}};
    }
};

}  // namespace certagent::testing
