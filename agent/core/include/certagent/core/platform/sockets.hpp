#pragma once
// The socket calls of the local signing server (server/connection_gate, local_server) over BSD
// sockets or Winsock. Byte counts follow one convention: > 0 bytes moved, 0 the peer closed,
// kWouldBlock nothing now (also an interrupted call), kSocketError a failure.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace certagent::platform {

#ifdef _WIN32
using SocketHandle = std::uintptr_t;  // SOCKET
inline constexpr SocketHandle kNoSocket = ~SocketHandle{0};
#else
using SocketHandle = int;
inline constexpr SocketHandle kNoSocket = -1;
#endif

inline constexpr long kWouldBlock = -2;
inline constexpr long kSocketError = -1;

// The bytes of a numeric IPv4 address (dotted quad) or IPv6 address (no zone id), as inet_pton
// reads them; false for anything else (a host name).
bool parseIpv4(const std::string& text, std::array<unsigned char, 4>& bytes);
bool parseIpv6(const std::string& text, std::array<unsigned char, 16>& bytes);

void closeSocket(SocketHandle s);
void setNonBlocking(SocketHandle s);
void shutdownSending(SocketHandle s);
void shutdownBoth(SocketHandle s);
void listenBacklog(SocketHandle s, int backlog);
long receive(SocketHandle s, char* buf, std::size_t size);
// Never raises SIGPIPE; `dontWait` sends only what fits now.
long sendBytes(SocketHandle s, const char* buf, std::size_t size, bool dontWait);
// The numeric address and port of either end; false when the socket has none.
bool peerEndpoint(SocketHandle s, std::string& ip, int& port);
bool localEndpoint(SocketHandle s, std::string& ip, int& port);

// poll / WSAPoll with the events the server needs.
enum PollEvent : short {
    kReadable = 1,
    kPeerClosed = 2,  // the peer shut its side down (POLLRDHUP; on Windows seen as readable)
    kBroken = 4,      // hangup or error
    kWritable = 8,
};
struct PollEntry {
    SocketHandle socket;
    short events;   // PollEvent bits wanted
    short revents;  // PollEvent bits seen
};
// Number of entries with events, 0 on timeout or interruption, -1 on failure (errorText()).
int pollSockets(std::vector<PollEntry>& entries, int timeoutMs);
std::string lastSocketError();

// Wakes a thread sleeping in pollSockets: an eventfd on Linux, a loopback UDP socket that
// sends to itself on Windows. handle() goes into the poll set with kReadable.
class SocketWaker {
  public:
    SocketWaker();  // throws std::runtime_error
    ~SocketWaker();
    SocketWaker(const SocketWaker&) = delete;
    SocketWaker& operator=(const SocketWaker&) = delete;
    SocketHandle handle() const { return handle_; }
    void wake() const;
    void drain() const;

  private:
    SocketHandle handle_ = kNoSocket;
};

}  // namespace certagent::platform
