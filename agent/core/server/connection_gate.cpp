#include "connection_gate.hpp"

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <list>
#include <mutex>
#include <thread>
#include <vector>

#include "certagent/core/log.hpp"

namespace certagent::server {
namespace {

using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

enum class Phase { Head, Queued, Working, Closing };

struct Conn final : Connection {
    platform::SocketHandle sock = platform::kNoSocket;
    std::string peer, local;
    int peer_port = 0, local_port = 0;
    SteadyClock::time_point accepted, head_deadline, request_deadline, close_by;
    std::string head;            // the gate's until Queued, then the worker's
    std::size_t counted = 0;     // bytes of `head` in Impl::head_bytes (gate thread)
    std::size_t drain_left = 0;  // Closing: bytes still read and dropped before closing
    std::size_t scanned = 0;     // bytes of `head` already looked at for line ends
    int lines = 0;               // line ends seen (request line, headers, blank line)
    Phase phase = Phase::Head;   // under Impl::mutex
    bool watched = true;         // gate thread: still polled for the client hanging up
    std::shared_ptr<std::atomic<bool>> gone_flag = std::make_shared<std::atomic<bool>>(false);
    std::list<std::unique_ptr<Conn>>::iterator self;

    platform::SocketHandle fd() const override { return sock; }
    const std::string& peerAddress() const override { return peer; }
    int peerPort() const override { return peer_port; }
    const std::string& localAddress() const override { return local; }
    int localPort() const override { return local_port; }
    std::string takeHead() override { return std::move(head); }
    SteadyClock::time_point deadline() const override { return request_deadline; }
    bool gone() const override { return gone_flag->load(); }
    std::function<bool()> goneFlag() const override {
        auto flag = gone_flag;
        return [flag] { return flag->load(); };
    }
};

// Best effort, never blocks: the socket may be full, the client may be gone.
void sendNow(platform::SocketHandle fd, const std::string& bytes) {
    if (!bytes.empty())
        (void)platform::sendBytes(fd, bytes.data(), bytes.size(), /*dontWait=*/true);
}

}  // namespace

struct ConnectionGate::Impl {
    GateLimits limits;
    Serve serve;
    Answer answer;
    std::unique_ptr<platform::SocketWaker> wake;
    std::thread gate;
    std::vector<std::thread> workers;

    mutable std::mutex mutex;
    std::condition_variable work_cv;
    bool started = false, stopping = false;
    std::vector<platform::SocketHandle> incoming;  // admitted sockets, not yet in the table
    std::list<std::unique_ptr<Conn>> table;  // the list itself: changed by the gate thread only
    std::deque<Conn*> queue;                 // complete heads waiting for a worker
    std::deque<Conn*> quick_queue;           // complete quick heads (status) for their worker
    std::vector<Conn*> finished;             // answered by a worker: to close
    Stats counters;                          // under mutex
    std::atomic<std::size_t> head_bytes{0};

    Impl(GateLimits l, Serve s, Answer a) : limits(l), serve(std::move(s)), answer(std::move(a)) {}

    void wakeGate() const { wake->wake(); }

    // ---- gate thread ------------------------------------------------------------------------

    void uncount(Conn* c) {
        head_bytes -= c->counted;
        c->counted = 0;
    }

    void closeNow(Conn* c) {
        uncount(c);
        platform::closeSocket(c->sock);
        std::lock_guard lock(mutex);
        table.erase(c->self);
    }

    // Shut down for writing (the answer is complete), then read and drop what the client still
    // sends until it closes or `linger` passes.
    void startClosing(Conn* c, std::size_t drain = std::string::npos) {
        platform::shutdownSending(c->sock);
        c->drain_left = drain;
        uncount(c);
        std::string().swap(c->head);
        c->close_by = SteadyClock::now() + limits.linger;
        std::lock_guard lock(mutex);
        c->phase = Phase::Closing;
    }

    void refuse(Conn* c, int status) {
        sendNow(c->sock, answer(status));
        startClosing(c, 64 * 1024);
    }

    // The connection that gives its place (of `peer` when given): the oldest closing one, else
    // the oldest that sent part of a head (a slow sender), else the oldest that sent nothing.
    bool evictOne(const std::string* peer) {
        Conn* victim = nullptr;
        for (int rank = 0; rank < 3 && !victim; ++rank) {
            std::lock_guard lock(mutex);
            for (auto& c : table) {
                if (peer && c->peer != *peer) continue;
                const bool match = rank == 0   ? c->phase == Phase::Closing
                                   : rank == 1 ? c->phase == Phase::Head && !c->head.empty()
                                               : c->phase == Phase::Head;
                if (match) {
                    victim = c.get();
                    break;
                }
            }
        }
        if (!victim) return false;
        if (victim->phase == Phase::Head) {
            sendNow(victim->sock, answer(503));
            std::lock_guard lock(mutex);
            ++counters.evicted;
        }
        closeNow(victim);
        return true;
    }

    void accept(platform::SocketHandle fd) {
        platform::setNonBlocking(fd);
        auto c = std::make_unique<Conn>();
        c->sock = fd;
        platform::peerEndpoint(fd, c->peer, c->peer_port);
        platform::localEndpoint(fd, c->local, c->local_port);
        // Per client, the connections that hold a place without a request being worked on.
        int from_peer = 0;
        std::size_t open = 0;
        {
            std::lock_guard lock(mutex);
            open = table.size();
            for (auto& t : table)
                from_peer +=
                    t->peer == c->peer && (t->phase == Phase::Head || t->phase == Phase::Closing);
        }
        bool room = true;
        if (from_peer >= limits.max_connections_per_client) room = evictOne(&c->peer);
        if (room && open >= static_cast<std::size_t>(limits.max_connections) &&
            from_peer < limits.max_connections_per_client)
            room = evictOne(nullptr);
        if (!room) {
            sendNow(fd, answer(503));
            platform::closeSocket(fd);
            std::lock_guard lock(mutex);
            ++counters.refused;
            return;
        }
        auto now = SteadyClock::now();
        c->accepted = now;
        c->head_deadline = now + limits.head_timeout;
        c->request_deadline = now + limits.request_timeout;
        Conn* raw = c.get();
        {
            std::lock_guard lock(mutex);
            raw->self = table.insert(table.end(), std::move(c));
            counters.peak_connections =
                std::max(counters.peak_connections, static_cast<int>(table.size()));
        }
        readHead(raw);  // a client that sent its request with the connect is served at once
    }

    // Reads what the client sent of its head; dispatches it once complete.
    void readHead(Conn* c) {
        const std::size_t cap = limits.max_head_bytes + 4096;
        if (c->head.size() >= cap) return refuse(c, 431);
        char buf[4096];
        const std::size_t want = std::min(sizeof buf, cap - c->head.size());
        const long n = platform::receive(c->sock, buf, want);
        if (n == platform::kWouldBlock) return;
        if (n <= 0) return closeNow(c);  // the client left before sending a request
        c->head.append(buf, static_cast<std::size_t>(n));
        c->counted += static_cast<std::size_t>(n);
        head_bytes += static_cast<std::size_t>(n);
        auto total = head_bytes.load();
        {
            std::lock_guard lock(mutex);
            counters.peak_head_bytes = std::max(counters.peak_head_bytes, total);
        }
        // Line ends so far; the head ends at an empty line.
        std::size_t end = std::string::npos;
        for (; c->scanned < c->head.size(); ++c->scanned) {
            const std::size_t i = c->scanned;
            if (c->head[i] != '\n') continue;
            ++c->lines;
            const bool blank = i == 0 || c->head[i - 1] == '\n' ||
                               (c->head[i - 1] == '\r' && (i == 1 || c->head[i - 2] == '\n'));
            if (blank) {
                end = i + 1;
                break;
            }
            if (c->lines > limits.max_head_lines + 1) break;  // request line + headers
        }
        const bool too_many_lines =
            c->lines > limits.max_head_lines + 1 + (end != std::string::npos);
        const bool too_long = end == std::string::npos ? c->head.size() > limits.max_head_bytes
                                                       : end > limits.max_head_bytes;
        if (too_many_lines || too_long) {
            {
                std::lock_guard lock(mutex);
                ++counters.head_too_large;
            }
            return refuse(c, 431);
        }
        if (end == std::string::npos) return;
        uncount(c);  // the worker's now
        const bool is_quick = limits.quick && limits.quick(c->head);
        {
            std::lock_guard lock(mutex);
            c->phase = Phase::Queued;
            (is_quick ? quick_queue : queue).push_back(c);
        }
        work_cv.notify_all();
    }

    void onEvent(Conn* c, short revents) {
        Phase phase;
        {
            std::lock_guard lock(mutex);
            phase = c->phase;
        }
        switch (phase) {
            case Phase::Head:
                readHead(c);
                break;
            case Phase::Queued:
            case Phase::Working:
                if (revents & (platform::kPeerClosed | platform::kBroken)) {
                    c->gone_flag->store(true);
                    c->watched = false;
                    std::lock_guard lock(mutex);
                    ++counters.client_gone;
                }
                break;
            case Phase::Closing: {
                char buf[16384];
                for (int i = 0; i < 64; ++i) {
                    if (c->drain_left == 0) return closeNow(c);
                    const long n =
                        platform::receive(c->sock, buf, std::min(sizeof buf, c->drain_left));
                    if (n == platform::kWouldBlock) return;
                    if (n <= 0) return closeNow(c);
                    if (c->drain_left != std::string::npos)
                        c->drain_left -= static_cast<std::size_t>(n);
                }
                break;
            }
        }
    }

    void expire(SteadyClock::time_point now) {
        std::vector<std::pair<Conn*, Phase>> due;
        {
            std::lock_guard lock(mutex);
            for (auto& c : table)
                if ((c->phase == Phase::Head && now >= c->head_deadline) ||
                    (c->phase == Phase::Closing && now >= c->close_by))
                    due.emplace_back(c.get(), c->phase);
        }
        for (auto [c, phase] : due) {
            if (phase == Phase::Closing) {
                closeNow(c);
                continue;
            }
            {
                std::lock_guard lock(mutex);
                ++counters.head_timeouts;
            }
            refuse(c, 408);
        }
    }

    void gateLoop() {
        std::vector<platform::PollEntry> fds;
        std::vector<Conn*> owners;
        for (;;) {
            std::vector<platform::SocketHandle> arrived;
            std::vector<Conn*> done;
            {
                std::lock_guard lock(mutex);
                if (stopping) break;
                arrived.swap(incoming);
                done.swap(finished);
            }
            for (auto fd : arrived) accept(fd);
            for (Conn* c : done) startClosing(c);
            auto now = SteadyClock::now();
            expire(now);
            fds.assign(1, platform::PollEntry{wake->handle(), platform::kReadable, 0});
            owners.assign(1, nullptr);
            auto next = now + std::chrono::seconds(1);
            {
                std::lock_guard lock(mutex);
                for (auto& c : table) {
                    short events = 0;
                    switch (c->phase) {
                        case Phase::Head:
                            events = platform::kReadable | platform::kPeerClosed;
                            next = std::min(next, c->head_deadline);
                            break;
                        case Phase::Queued:
                        case Phase::Working:
                            if (c->watched) events = platform::kPeerClosed;
                            break;
                        case Phase::Closing:
                            events = platform::kReadable | platform::kPeerClosed;
                            next = std::min(next, c->close_by);
                            break;
                    }
                    if (!events) continue;
                    fds.push_back(platform::PollEntry{c->sock, events, 0});
                    owners.push_back(c.get());
                }
            }
            auto wait = std::chrono::duration_cast<milliseconds>(next - now).count() + 1;
            int r = platform::pollSockets(fds, static_cast<int>(std::max<long long>(0, wait)));
            if (r < 0) {
                log::error("server", "poll failed: {}", platform::lastSocketError());
                std::this_thread::sleep_for(milliseconds(10));
                continue;
            }
            if (fds[0].revents & platform::kReadable) wake->drain();
            for (std::size_t i = 1; i < fds.size(); ++i)
                if (fds[i].revents) onEvent(owners[i], fds[i].revents);
        }
        // Stopping: every running request learns its client is gone and its socket fails.
        std::lock_guard lock(mutex);
        for (auto& c : table)
            if (c->phase == Phase::Working || c->phase == Phase::Queued) {
                c->gone_flag->store(true);
                platform::shutdownBoth(c->sock);
            }
    }

    // ---- worker threads ---------------------------------------------------------------------

    void workerLoop(bool quick_lane) {
        auto& mine = quick_lane ? quick_queue : queue;
        for (;;) {
            Conn* c = nullptr;
            {
                std::unique_lock lock(mutex);
                work_cv.wait(lock, [&] { return stopping || !mine.empty(); });
                if (stopping) return;
                c = mine.front();
                mine.pop_front();
                c->phase = Phase::Working;
            }
            if (!c->gone() && SteadyClock::now() < c->request_deadline) {
                try {
                    serve(*c);
                } catch (const std::exception& e) {
                    log::error("server", "a request failed: {}", e.what());
                } catch (...) {
                    log::error("server", "a request failed");
                }
            }
            {
                std::lock_guard lock(mutex);
                finished.push_back(c);
            }
            wakeGate();
        }
    }
};

ConnectionGate::ConnectionGate(GateLimits limits, Serve serve, Answer answer)
    : impl_(std::make_unique<Impl>(limits, std::move(serve), std::move(answer))) {}

ConnectionGate::~ConnectionGate() { stop(); }

void ConnectionGate::start() {
    auto& i = *impl_;
    if (i.started) return;
    i.wake = std::make_unique<platform::SocketWaker>();
    i.stopping = false;
    i.started = true;
    i.gate = std::thread([&i] { i.gateLoop(); });
    for (int n = 0; n < std::max(1, i.limits.workers); ++n)
        i.workers.emplace_back([&i] { i.workerLoop(false); });
    if (i.limits.quick) i.workers.emplace_back([&i] { i.workerLoop(true); });
}

void ConnectionGate::stop() {
    auto& i = *impl_;
    if (!i.started) return;
    {
        std::lock_guard lock(i.mutex);
        i.stopping = true;
    }
    i.wakeGate();
    i.work_cv.notify_all();
    if (i.gate.joinable()) i.gate.join();
    for (auto& w : i.workers)
        if (w.joinable()) w.join();
    i.workers.clear();
    std::lock_guard lock(i.mutex);
    for (auto& c : i.table) platform::closeSocket(c->sock);
    for (auto fd : i.incoming) platform::closeSocket(fd);
    i.table.clear();
    i.incoming.clear();
    i.queue.clear();
    i.quick_queue.clear();
    i.finished.clear();
    i.head_bytes = 0;
    i.wake.reset();
    i.started = false;
}

void ConnectionGate::admit(platform::SocketHandle fd) {
    auto& i = *impl_;
    {
        std::lock_guard lock(i.mutex);
        if (!i.started || i.stopping) {
            platform::closeSocket(fd);
            return;
        }
        i.incoming.push_back(fd);
    }
    i.wakeGate();
}

ConnectionGate::Stats ConnectionGate::stats() const {
    auto& i = *impl_;
    std::lock_guard lock(i.mutex);
    Stats s = i.counters;
    s.connections = static_cast<int>(i.table.size());
    s.head_bytes = i.head_bytes.load();
    return s;
}

}  // namespace certagent::server
