#pragma once
// Internal: the local server's connection table (docs/local-server-api.md, "Limits"). It owns
// every accepted socket until it is closed, and keeps what a client can make the server hold
// bounded whatever the client does:
//   - a request's head (request line and headers) is read here, by one thread polling every
//     connection, into at most max_head_bytes (+ one read) per connection, with at most
//     max_head_lines lines, and must be complete within head_timeout of the accept; no worker
//     thread waits for a slow client's headers;
//   - at most max_connections connections in all, and at most max_connections_per_client from
//     one address still sending their heads (or closing); a new connection over a limit takes
//     the place of the one that has waited longest (closing ones first, then slow senders, then
//     silent ones), else it is refused with 503;
//   - a complete head goes to one of `workers` threads, which runs the request (Serve) with the
//     connection's bytes and its deadline (request_timeout after the accept); heads `quick`
//     recognises (the status probe) have a worker of their own, so they never wait behind
//     other requests;
//   - while a worker runs the request, the connection is watched: when the client closes it,
//     Connection::gone() turns true, so long work (a verification, a consent) can stop;
//   - after the answer the socket is shut down for writing and drained for at most `linger`
//     (so a client that is still sending gets the answer instead of a reset), then closed; a
//     refused head (408, 431) is drained for at most 64 KiB.
// Refusals the gate answers itself (408, 431, 503) come from the `answer` callback.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "certagent/core/platform/sockets.hpp"

namespace certagent::server {

struct GateLimits {
    std::size_t max_head_bytes = 16 * 1024;
    int max_head_lines = 100;  // header lines, besides the request line
    std::chrono::milliseconds head_timeout{5000};
    std::chrono::milliseconds request_timeout{30000};
    int max_connections = 64;
    int max_connections_per_client = 16;
    int workers = 8;
    std::chrono::milliseconds linger{2000};
    // Heads served by the quick worker (e.g. "GET /api/v1/status"); may be empty.
    std::function<bool(const std::string& head)> quick;
};

// One accepted connection, as a worker sees it while it runs the request.
class Connection {
  public:
    virtual ~Connection() = default;
    virtual platform::SocketHandle fd() const = 0;
    virtual const std::string& peerAddress() const = 0;
    virtual int peerPort() const = 0;
    virtual const std::string& localAddress() const = 0;
    virtual int localPort() const = 0;
    // The bytes read with the head: the head itself, then possibly the body's first bytes.
    virtual std::string takeHead() = 0;
    // When the whole request (head and body) must have arrived.
    virtual std::chrono::steady_clock::time_point deadline() const = 0;
    // True once the client closed its side or the connection broke.
    virtual bool gone() const = 0;
    // The same, as a function that stays valid after the request (for work handed elsewhere).
    virtual std::function<bool()> goneFlag() const = 0;
};

class ConnectionGate {
  public:
    using Serve = std::function<void(Connection&)>;
    // The bytes of a complete HTTP answer with this status (408, 431, 503) sent before closing.
    using Answer = std::function<std::string(int status)>;

    ConnectionGate(GateLimits limits, Serve serve, Answer answer);
    ~ConnectionGate();  // stop()
    ConnectionGate(const ConnectionGate&) = delete;
    ConnectionGate& operator=(const ConnectionGate&) = delete;

    void start();
    // Stops taking connections, tells running requests their clients are gone, shuts their
    // sockets down, waits for the workers and closes everything.
    void stop();
    // Takes ownership of an accepted socket. Any thread; never blocks.
    void admit(platform::SocketHandle fd);

    struct Stats {
        int connections = 0;  // open now
        int peak_connections = 0;
        std::size_t head_bytes = 0;  // held in head buffers now
        std::size_t peak_head_bytes = 0;
        long refused = 0;         // 503 at once: every slot held by a running request
        long evicted = 0;         // made room for a newer connection
        long head_timeouts = 0;   // 408
        long head_too_large = 0;  // 431
        long client_gone = 0;     // clients that left while their request ran
    };
    Stats stats() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace certagent::server
