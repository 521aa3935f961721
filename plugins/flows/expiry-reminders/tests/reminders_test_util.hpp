#pragma once
// Shared helpers for the plugin's logic tests: a time zone for the duration of a test, a manual
// clock, certificates with chosen expiry, an engine over a real SQLite file that can be
// reopened (a restart).
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include "calendar.hpp"
#include "engine.hpp"
#include "temp_dir.hpp"
#include "time_util.hpp"

namespace expiry_reminders::testing {

using namespace std::chrono_literals;
constexpr auto kDay = std::chrono::hours(24);

// Sets TZ for this process while alive (the tests in one binary run one at a time).
class ScopedTimeZone {
  public:
    explicit ScopedTimeZone(const std::string& tz) {
        if (const char* old = std::getenv("TZ")) old_ = old;
        set(tz);
    }
    ~ScopedTimeZone() {
        if (old_)
            ::setenv("TZ", old_->c_str(), 1);
        else
            ::unsetenv("TZ");
        reloadTimeZone();
    }
    static void set(const std::string& tz) {
        ::setenv("TZ", tz.c_str(), 1);
        reloadTimeZone();
    }

  private:
    std::optional<std::string> old_;
};

inline TimePoint at(const std::string& iso) {
    auto t = parseIso8601(iso);
    if (!t) throw std::invalid_argument(iso);
    return *t;
}

struct ManualClock {
    TimePoint now;
    void set(TimePoint t) { now = t; }
    void advance(std::chrono::system_clock::duration d) { now += d; }
};

inline ObservedCertificate cert(const std::string& id, const std::string& cn, TimePoint notAfter,
                                bool qualified = true, bool key = true) {
    ObservedCertificate c;
    c.idHex = id;
    c.label = cn;
    c.subject = "CN=" + cn + ",O=Example,C=RO";
    c.commonName = cn;
    c.issuer = "CN=Test Qualified CA,C=RO";
    c.serialHex = id + "0f";
    c.notBefore = notAfter - 365 * kDay;
    c.notAfter = notAfter;
    c.qualified = qualified;
    c.hasPrivateKey = key;
    c.fingerprint = "fp-" + id + "-" + cn + "-" + std::to_string(toEpochMs(notAfter));
    return c;
}

inline TokenSnapshot token(const std::string& serial, std::vector<ObservedCertificate> certs) {
    return {serial, "Token " + serial, std::move(certs)};
}

struct Fixture {
    certagent::testing::TempDir dir{"certagent-reminders"};
    ManualClock clock{at("2026-01-01T10:00:00Z")};
    std::vector<int> thresholds{60, 30, 14, 7, 3, 1};
    std::unique_ptr<ReminderEngine> engine;

    Fixture() { open(); }
    std::filesystem::path file() const { return dir / "plugins" / "reminders.sqlite3"; }
    void open() {
        engine = std::make_unique<ReminderEngine>(
            file(), [this] { return clock.now; }, thresholds);
    }
    // The agent stopped and started again: a new engine over the reopened database.
    void restart() {
        engine.reset();
        open();
    }
    // Jumps to the next due time (if any) and fires.
    std::vector<Reminder> runToNext() {
        auto due = engine->nextDue();
        if (!due) return {};
        clock.set(*due);
        return engine->evaluate();
    }
};

}  // namespace expiry_reminders::testing
