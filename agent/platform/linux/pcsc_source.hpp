#pragma once
// Readers and cards from pcsc-lite: one thread blocked in SCardGetStatusChange(INFINITE) on
// every reader plus "\\?PnP?\Notification" (readers added/removed). stop() wakes it with
// SCardCancel.
//
// pcscd may be absent, start late or restart. Without it the thread waits for its socket to
// appear (inotify on the socket's folder) with a bounded back-off (1 s doubling to 60 s) as a
// safety net: never a busy loop. What changed while pcscd was away is reported when it comes
// back (the readers and cards seen then are compared with the last ones known).
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "certagent/core/device/device_source.hpp"

namespace certagent::platform {

class PcscSource final : public device::DeviceSource {
public:
    PcscSource();
    ~PcscSource() override;

    const char* name() const noexcept override { return "pcsc"; }
    bool start(device::SourceCallbacks callbacks) override;
    void stop() override;

    // pcscd's socket: $PCSCLITE_CSOCK_NAME (as the client library reads it), else
    // /run/pcscd/pcscd.comm.
    static std::string socketPath();

private:
    struct Card {
        bool present = false;
        std::string atr;
        unsigned long counter = 0;  // pcsc-lite's event counter (upper 16 bits of the state)
    };
    void run();
    // Returns when the service is lost or on stop.
    void watch(long context);
    // Sleeps until pcscd's socket may be there, the back-off elapsed, or stop.
    void waitForService(int backoffMs);
    void emit(device::DeviceAction action, const std::string& reader, const std::string& atr = {});
    void setActive(bool active);
    // Reports the differences between known_ and `now` and adopts `now`.
    void reconcile(const std::map<std::string, Card>& now, bool silent);

    device::SourceCallbacks callbacks_;
    std::map<std::string, Card> known_;  // reader → card; only the thread touches it
    bool haveBaseline_ = false;
    bool active_ = false;
    std::atomic<bool> stopping_{false};
    int stopFd_ = -1;
    std::mutex contextMutex_;  // guards context_ against SCardCancel racing a release
    long context_ = 0;
    bool hasContext_ = false;
    std::mutex doneMutex_;
    std::condition_variable doneCv_;
    bool done_ = false;
    std::thread thread_;
};

}  // namespace certagent::platform
