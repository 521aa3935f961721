// Rescans against SoftHSM2: tokens appearing and disappearing, certificates added, the poll
// fallback, and a token pulled out during a certificate read.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "certagent/core/device/device_monitor.hpp"
#include "certagent/core/device/removal.hpp"
#include "certagent/core/device/token_tracker.hpp"
#include "softhsm.hpp"

using namespace certagent;
using namespace certagent::device;
using namespace certagent::testing;
using namespace std::chrono_literals;

namespace {

std::unique_ptr<token::TokenService> softHsmService() {
    return std::make_unique<token::TokenService>(std::vector<token::ModuleSpec>{
        {SoftHsm::modulePath(), "", token::ModuleSource::Caller}});
}

// Every event of these types, in order.
class BusLog {
public:
    explicit BusLog(EventBus& bus) : bus_(bus) {
        bus.subscribe("TokenInserted,TokenRemoved,CertificatesChanged",
                      [this](const nlohmann::json& j) {
                          std::lock_guard lock(m_);
                          events_.push_back(j);
                      });
    }
    std::vector<nlohmann::json> take() {
        bus_.drain();
        std::lock_guard lock(m_);
        return std::exchange(events_, {});
    }
    bool waitFor(const std::string& type, std::chrono::milliseconds timeout) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            {
                std::lock_guard lock(m_);
                for (const auto& e : events_)
                    if (e["type"] == type) return true;
            }
            std::this_thread::sleep_for(10ms);
        }
        return false;
    }

private:
    EventBus& bus_;
    std::mutex m_;
    std::vector<nlohmann::json> events_;
};

}  // namespace

TEST(TokenRescan, TokensAppearingAndDisappearingBecomeTokenEvents) {
    SoftHsm hsm;
    hsm.activate();
    EventBus bus;
    SystemClock clock;
    BusLog log(bus);
    TokenTracker tracker(bus, clock, softHsmService);

    tracker.rescan(/*initial=*/true);
    EXPECT_TRUE(log.take().empty());

    auto& alice = hsm.createToken("Alice");
    auto cert = hsm.addCertificate(alice, {.commonName = "Alice"});
    auto changes = tracker.rescan();
    ASSERT_EQ(changes.inserted.size(), 1u);
    auto events = log.take();
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0]["type"], "TokenInserted");
    EXPECT_EQ(events[0]["serial"], alice.serial);
    EXPECT_EQ(events[0]["label"], "Alice");
    EXPECT_EQ(events[0]["plugin"], "generic-pkcs11");
    EXPECT_FALSE(events[0].contains("initial"));
    EXPECT_EQ(events[1]["type"], "CertificatesChanged");
    EXPECT_EQ(events[1]["added"], nlohmann::json::array({cert.idHex}));

    // Nothing changed: nothing published.
    tracker.rescan();
    EXPECT_TRUE(log.take().empty());

    auto second = hsm.addCertificate(alice, {.commonName = "Alice 2"});
    tracker.rescan();
    events = log.take();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0]["type"], "CertificatesChanged");
    EXPECT_EQ(events[0]["serial"], alice.serial);
    EXPECT_EQ(events[0]["added"], nlohmann::json::array({second.idHex}));

    auto& bob = hsm.createToken("Bob");
    hsm.removeToken(alice);
    tracker.rescan();
    events = log.take();
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0]["type"], "TokenRemoved");
    EXPECT_EQ(events[0]["serial"], alice.serial);
    EXPECT_EQ(events[1]["type"], "TokenInserted");
    EXPECT_EQ(events[1]["serial"], bob.serial);
}

TEST(TokenRescan, TokensPresentAtStartAreMarkedInitial) {
    SoftHsm hsm;
    auto& t = hsm.createToken("Present");
    hsm.activate();
    EventBus bus;
    SystemClock clock;
    BusLog log(bus);
    TokenTracker tracker(bus, clock, softHsmService);
    tracker.rescan(true);
    auto events = log.take();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0]["serial"], t.serial);
    EXPECT_EQ(events[0]["initial"], true);
}

TEST(TokenRescan, PollFallbackFindsATokenWhenNoSourceRuns) {
    SoftHsm hsm;
    hsm.activate();
    EventBus bus;
    SystemClock clock;
    BusLog log(bus);
    TokenTracker tracker(bus, clock, softHsmService);
    MonitorOptions options;
    options.pollInterval = 200ms;
    DeviceMonitor monitor(bus, {}, [&](bool initial) { tracker.rescan(initial); }, options);
    monitor.start();
    EXPECT_TRUE(monitor.polling());
    hsm.createToken("Polled");
    EXPECT_TRUE(log.waitFor("TokenInserted", 5s));
    monitor.stop();
}

TEST(TokenRemoval, TokenPulledOutBeforeACertificateReadGivesARetryableError) {
    SoftHsm hsm;
    auto& t = hsm.createToken("Pulled");
    hsm.addCertificates(t, 5);
    hsm.activate();
    auto service = softHsmService();
    auto session = service->open(t.serial);
    hsm.removeToken(t);
    try {
        withRemovalCheck(*service, t.serial, [&] { return session->certificates(); });
        FAIL() << "a read from a pulled token must not succeed";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::TokenRemoved) << e.what();
        EXPECT_TRUE(e.retryable());
        EXPECT_EQ(e.where(), t.serial);
    }
    // Asking again is the same clean, retryable answer.
    try {
        service->open(t.serial);
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::TokenRemoved);
        EXPECT_TRUE(e.retryable());
    }
}

TEST(TokenRemoval, TokenPulledOutDuringCertificateReadsNeverCrashesOrHangs) {
    SoftHsm hsm;
    auto& t = hsm.createToken("Yanked");
    hsm.addCertificates(t, 20);
    hsm.activate();
    auto service = softHsmService();
    std::atomic<bool> pulled{false};
    std::thread puller([&] {
        std::this_thread::sleep_for(30ms);
        hsm.removeToken(t);
        pulled = true;
    });
    auto deadline = std::chrono::steady_clock::now() + 20s;
    int complete = 0;
    std::optional<Error> failure;
    while (std::chrono::steady_clock::now() < deadline) {
        try {
            auto certs = withRemovalCheck(*service, t.serial, [&] {
                return service->open(t.serial)->certificates();
            });
            // SoftHSM2 deletes a token file by file, so a read racing the deletion may see part
            // of the certificates; what matters is that the pull-out ends in TokenRemoved.
            EXPECT_LE(certs.size(), 20u);
            ++complete;
        } catch (const Error& e) {
            failure = e;
            break;
        }
    }
    puller.join();
    ASSERT_TRUE(pulled);
    ASSERT_TRUE(failure) << "reads kept succeeding after the token was pulled";
    EXPECT_EQ(failure->kind(), ErrorKind::TokenRemoved) << failure->what();
    EXPECT_TRUE(failure->retryable());
    std::cerr << complete << " complete reads before the removal was noticed\n";
}

TEST(TokenRemoval, PulledTokenIsReportedRemovedNotAsDeletedCertificates) {
    SoftHsm hsm;
    auto& t = hsm.createToken("Flaky");
    hsm.addCertificates(t, 3);
    hsm.activate();
    EventBus bus;
    SystemClock clock;
    BusLog log(bus);
    // The token vanishes while the service for the second rescan is being built.
    bool first = true;
    TokenTracker tracker(bus, clock, [&] {
        auto service = softHsmService();
        if (!first) {
            service->tokens();
            hsm.removeToken(t);
        }
        first = false;
        return service;
    });
    tracker.rescan(true);
    log.take();
    tracker.rescan();
    auto events = log.take();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0]["type"], "TokenRemoved");
}
