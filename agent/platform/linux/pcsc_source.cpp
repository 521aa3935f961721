#include "linux/pcsc_source.hpp"

#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

#include "certagent/core/log.hpp"

namespace certagent::platform {

namespace {

constexpr const char* kPnpReader = "\\\\?PnP?\\Notification";
constexpr int kMaxBackoffMs = 60'000;

std::string hex(const unsigned char* data, unsigned long len) {
    static const char* digits = "0123456789ABCDEF";
    std::string out;
    for (unsigned long i = 0; i < len; ++i) {
        out += digits[data[i] >> 4];
        out += digits[data[i] & 0xF];
    }
    return out;
}

// Readers known to pcscd; empty when there are none.
std::vector<std::string> listReaders(SCARDCONTEXT ctx, LONG& rv) {
    DWORD len = 0;
    rv = SCardListReaders(ctx, nullptr, nullptr, &len);
    if (rv == SCARD_E_NO_READERS_AVAILABLE) {
        rv = SCARD_S_SUCCESS;
        return {};
    }
    if (rv != SCARD_S_SUCCESS) return {};
    std::string buf(len, '\0');
    rv = SCardListReaders(ctx, nullptr, buf.data(), &len);
    if (rv == SCARD_E_NO_READERS_AVAILABLE) {
        rv = SCARD_S_SUCCESS;
        return {};
    }
    if (rv != SCARD_S_SUCCESS) return {};
    std::vector<std::string> out;
    for (const char* p = buf.c_str(); *p; p += std::strlen(p) + 1) out.emplace_back(p);
    return out;
}

bool serviceLost(LONG rv) {
    return rv == SCARD_E_NO_SERVICE || rv == SCARD_E_SERVICE_STOPPED ||
           rv == SCARD_E_INVALID_HANDLE || rv == SCARD_F_COMM_ERROR;
}

}  // namespace

PcscSource::PcscSource() = default;

PcscSource::~PcscSource() { stop(); }

std::string PcscSource::socketPath() {
    const char* env = std::getenv("PCSCLITE_CSOCK_NAME");
    return env && *env ? env : "/run/pcscd/pcscd.comm";
}

bool PcscSource::start(device::SourceCallbacks callbacks) {
    if (thread_.joinable()) return true;
    callbacks_ = std::move(callbacks);
    stopFd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (stopFd_ < 0) return false;
    stopping_ = false;
    done_ = false;
    thread_ = std::thread([this] { run(); });
    return true;
}

void PcscSource::stop() {
    if (!thread_.joinable()) return;
    stopping_ = true;
    std::uint64_t one = 1;
    if (write(stopFd_, &one, sizeof one) < 0) log::warn("device", "pcsc: eventfd write failed");
    // SCardCancel only interrupts a wait already in progress; the thread may be just about to
    // enter one, so cancel again until it has finished (at shutdown only).
    for (;;) {
        {
            std::lock_guard lock(contextMutex_);
            if (hasContext_) SCardCancel(static_cast<SCARDCONTEXT>(context_));
        }
        std::unique_lock lock(doneMutex_);
        if (doneCv_.wait_for(lock, std::chrono::milliseconds(100), [&] { return done_; })) break;
    }
    thread_.join();
    close(stopFd_);
    stopFd_ = -1;
}

void PcscSource::emit(device::DeviceAction action, const std::string& reader,
                      const std::string& atr) {
    if (!callbacks_.onEvent) return;
    device::DeviceEvent e;
    e.source = "pcsc";
    e.action = action;
    e.reader = reader;
    e.atr = atr;
    callbacks_.onEvent(e);
}

void PcscSource::setActive(bool active) {
    if (active_ == active) return;
    active_ = active;
    if (callbacks_.onActive) callbacks_.onActive(active);
}

void PcscSource::reconcile(const std::map<std::string, Card>& now, bool silent) {
    using A = device::DeviceAction;
    if (!silent) {
        for (const auto& [reader, card] : known_) {
            if (now.count(reader)) continue;
            if (card.present) emit(A::CardRemoved, reader);
            emit(A::ReaderRemoved, reader);
        }
        for (const auto& [reader, card] : now) {
            auto it = known_.find(reader);
            if (it == known_.end()) {
                emit(A::ReaderAdded, reader);
                if (card.present) emit(A::CardInserted, reader, card.atr);
                continue;
            }
            const Card& old = it->second;
            if (old.present && (!card.present || card.counter != old.counter ||
                                card.atr != old.atr))
                emit(A::CardRemoved, reader);
            if (card.present && (!old.present || card.counter != old.counter ||
                                 card.atr != old.atr))
                emit(A::CardInserted, reader, card.atr);
        }
    }
    known_ = now;
}

void PcscSource::run() {
    int backoffMs = 1000;
    while (!stopping_) {
        SCARDCONTEXT ctx = 0;
        LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx);
        if (rv == SCARD_S_SUCCESS) {
            {
                std::lock_guard lock(contextMutex_);
                context_ = static_cast<long>(ctx);
                hasContext_ = true;
            }
            auto started = std::chrono::steady_clock::now();
            watch(static_cast<long>(ctx));
            {
                std::lock_guard lock(contextMutex_);
                hasContext_ = false;
                SCardReleaseContext(ctx);
            }
            if (stopping_) break;
            setActive(false);
            // A connection that broke at once must not turn into a tight reconnect loop.
            if (std::chrono::steady_clock::now() - started < std::chrono::seconds(1)) {
                waitForService(backoffMs);
                backoffMs = std::min(backoffMs * 2, kMaxBackoffMs);
            } else {
                backoffMs = 1000;
            }
            continue;
        }
        log::debug("device", "pcsc: no service ({:#x}); waiting for pcscd",
                   static_cast<unsigned long>(rv));
        waitForService(backoffMs);
        backoffMs = std::min(backoffMs * 2, kMaxBackoffMs);
    }
    std::lock_guard lock(doneMutex_);
    done_ = true;
    doneCv_.notify_all();
}

void PcscSource::waitForService(int backoffMs) {
    namespace fs = std::filesystem;
    const fs::path socket = socketPath();
    int ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (ifd >= 0) {
        // The socket's folder (pcscd creates the socket) and its parent (the folder itself may
        // be created at pcscd's start, as /run/pcscd is).
        inotify_add_watch(ifd, socket.parent_path().c_str(), IN_CREATE | IN_MOVED_TO | IN_ATTRIB);
        inotify_add_watch(ifd, socket.parent_path().parent_path().c_str(), IN_CREATE | IN_MOVED_TO);
    }
    pollfd fds[2] = {{stopFd_, POLLIN, 0}, {ifd, POLLIN, 0}};
    int timeout = backoffMs;
    for (;;) {
        int n = poll(fds, ifd >= 0 ? 2 : 1, timeout);
        if (n < 0 && errno == EINTR) continue;
        if (n > 0 && fds[1].revents) {
            // Something appeared: pcscd binds the socket a moment before it listens, so try
            // again shortly rather than at once.
            char buf[4096];
            while (read(ifd, buf, sizeof buf) > 0) {
            }
            fds[1].fd = -1;
            timeout = 100;
            continue;
        }
        break;  // stop, back-off elapsed, or the short retry delay after an inotify event
    }
    if (ifd >= 0) close(ifd);
}

void PcscSource::watch(long context) {
    const auto ctx = static_cast<SCARDCONTEXT>(context);
    std::vector<SCARD_READERSTATE> states;
    std::vector<std::string> names;  // owns the strings states[i].szReader points to

    // Current state of `readers` (no waiting): the picture to compare against.
    auto query = [&](const std::vector<std::string>& readers, LONG& rv) {
        names.assign(1, kPnpReader);
        names.insert(names.end(), readers.begin(), readers.end());
        states.assign(names.size(), SCARD_READERSTATE{});
        for (std::size_t i = 0; i < names.size(); ++i) {
            states[i].szReader = names[i].c_str();
            states[i].dwCurrentState = SCARD_STATE_UNAWARE;
        }
        rv = SCardGetStatusChange(ctx, 0, states.data(), static_cast<DWORD>(states.size()));
        if (rv == SCARD_E_TIMEOUT) rv = SCARD_S_SUCCESS;
        std::map<std::string, Card> now;
        for (std::size_t i = 1; i < states.size(); ++i) {
            auto ev = states[i].dwEventState;
            if (ev & (SCARD_STATE_UNKNOWN | SCARD_STATE_IGNORE)) continue;  // gone meanwhile
            Card c;
            c.present = (ev & SCARD_STATE_PRESENT) != 0;
            c.counter = (ev >> 16) & 0xFFFF;
            if (c.present) c.atr = hex(states[i].rgbAtr, states[i].cbAtr);
            now[names[i]] = c;
        }
        for (auto& s : states) s.dwCurrentState = s.dwEventState & ~SCARD_STATE_CHANGED;
        return now;
    };

    LONG rv = SCARD_S_SUCCESS;
    auto readers = listReaders(ctx, rv);
    if (rv != SCARD_S_SUCCESS) return;
    auto now = query(readers, rv);
    if (rv != SCARD_S_SUCCESS) return;
    reconcile(now, /*silent=*/!haveBaseline_);
    haveBaseline_ = true;
    setActive(true);
    log::debug("device", "pcsc: watching {} reader(s)", readers.size());

    // INFINITE, although pcsc-lite's client then wakes every 60 s to ask pcscd whether it is
    // still there (one burst of two round trips a minute). A long finite timeout avoids that,
    // but with pcsc-lite 1.9.9 it made SCardTransmit from another context of this process (the
    // OpenSC module reading a card during a rescan) wait forever: bench/device_latency.sh hung.
    while (!stopping_) {
        rv = SCardGetStatusChange(ctx, INFINITE, states.data(), static_cast<DWORD>(states.size()));
        if (stopping_) return;
        if (rv == SCARD_E_CANCELLED || rv == SCARD_E_TIMEOUT) continue;
        bool relist = rv == SCARD_E_UNKNOWN_READER;
        if (!relist && rv != SCARD_S_SUCCESS) {
            if (serviceLost(rv))
                log::info("device", "pcsc: service lost ({:#x})", static_cast<unsigned long>(rv));
            else
                log::warn("device", "pcsc: SCardGetStatusChange failed ({:#x})",
                          static_cast<unsigned long>(rv));
            return;
        }
        if (!relist) {
            if (states[0].dwEventState & SCARD_STATE_CHANGED) relist = true;
            for (std::size_t i = 1; i < states.size(); ++i)
                if (states[i].dwEventState & (SCARD_STATE_UNKNOWN | SCARD_STATE_IGNORE))
                    relist = true;
        }
        if (relist) {
            readers = listReaders(ctx, rv);
            if (rv != SCARD_S_SUCCESS) return;
        }
        // One fresh picture for every change: the event counters tell a quick remove and
        // re-insert apart from nothing having happened.
        now = query(readers, rv);
        if (serviceLost(rv)) return;
        reconcile(now, false);
    }
}

}  // namespace certagent::platform
