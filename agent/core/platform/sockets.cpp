#include "certagent/core/platform/sockets.hpp"

#include <stdexcept>

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#endif

namespace certagent::platform {

bool parseIpv4(const std::string& text, std::array<unsigned char, 4>& bytes) {
    return inet_pton(AF_INET, text.c_str(), bytes.data()) == 1;
}

bool parseIpv6(const std::string& text, std::array<unsigned char, 16>& bytes) {
    return inet_pton(AF_INET6, text.c_str(), bytes.data()) == 1;
}

namespace {

bool endpointOf(const sockaddr_storage& a, std::string& ip, int& port) {
    char text[INET6_ADDRSTRLEN] = {};
    if (a.ss_family == AF_INET) {
        const auto& v4 = reinterpret_cast<const sockaddr_in&>(a);
        inet_ntop(AF_INET, &v4.sin_addr, text, sizeof text);
        port = ntohs(v4.sin_port);
    } else if (a.ss_family == AF_INET6) {
        const auto& v6 = reinterpret_cast<const sockaddr_in6&>(a);
        inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof text);
        port = ntohs(v6.sin6_port);
    } else {
        return false;
    }
    ip = text;
    return true;
}

}  // namespace

#ifdef _WIN32

using AddressLength = int;

void closeSocket(SocketHandle s) { closesocket(s); }

void setNonBlocking(SocketHandle s) {
    u_long on = 1;
    ioctlsocket(s, FIONBIO, &on);
}

void shutdownSending(SocketHandle s) { shutdown(s, SD_SEND); }
void shutdownBoth(SocketHandle s) { shutdown(s, SD_BOTH); }

namespace {
long byteCount(int n) {
    if (n >= 0) return n;
    const int e = WSAGetLastError();
    return e == WSAEWOULDBLOCK || e == WSAEINTR ? kWouldBlock : kSocketError;
}
}  // namespace

long receive(SocketHandle s, char* buf, std::size_t size) {
    return byteCount(recv(s, buf, static_cast<int>(size), 0));
}

// Winsock raises no signal; a socket in blocking mode stays blocking (no MSG_DONTWAIT): the
// gate's sockets are non-blocking already.
long sendBytes(SocketHandle s, const char* buf, std::size_t size, bool) {
    return byteCount(send(s, buf, static_cast<int>(size), 0));
}

int pollSockets(std::vector<PollEntry>& entries, int timeoutMs) {
    std::vector<WSAPOLLFD> fds;
    fds.reserve(entries.size());
    for (const auto& e : entries)
        // Readable data is no sign of a hang-up (a body still on its way): kPeerClosed alone
        // asks for nothing, and WSAPoll reports POLLHUP/POLLERR anyway.
        fds.push_back(WSAPOLLFD{e.socket,
                                static_cast<short>(((e.events & kReadable) ? POLLRDNORM : 0) |
                                                   ((e.events & kWritable) ? POLLWRNORM : 0)),
                                0});
    const int r = WSAPoll(fds.data(), static_cast<ULONG>(fds.size()), timeoutMs);
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const short re = fds[i].revents;
        entries[i].revents = static_cast<short>(((re & POLLRDNORM) ? kReadable : 0) |
                                                ((re & POLLWRNORM) ? kWritable : 0) |
                                                ((re & (POLLHUP | POLLERR)) ? kBroken : 0));
    }
    return r < 0 ? -1 : r;
}

std::string lastSocketError() { return "Winsock error " + std::to_string(WSAGetLastError()); }

SocketWaker::SocketWaker() {
    WSADATA data;
    WSAStartup(MAKEWORD(2, 2), &data);
    SOCKET s = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int n = sizeof a;
    if (s == INVALID_SOCKET || bind(s, reinterpret_cast<sockaddr*>(&a), n) != 0 ||
        getsockname(s, reinterpret_cast<sockaddr*>(&a), &n) != 0 ||
        connect(s, reinterpret_cast<sockaddr*>(&a), n) != 0) {
        if (s != INVALID_SOCKET) closesocket(s);
        throw std::runtime_error("the server's wake-up socket cannot be made");
    }
    setNonBlocking(s);
    handle_ = s;
}

SocketWaker::~SocketWaker() {
    closesocket(handle_);
    WSACleanup();
}

void SocketWaker::wake() const {
    const char one = 1;
    send(handle_, &one, 1, 0);
}

void SocketWaker::drain() const {
    char buf[64];
    while (recv(handle_, buf, sizeof buf, 0) > 0) {
    }
}

#else

using AddressLength = socklen_t;

void closeSocket(SocketHandle s) { ::close(s); }

void setNonBlocking(SocketHandle s) { ::fcntl(s, F_SETFL, ::fcntl(s, F_GETFL) | O_NONBLOCK); }

void shutdownSending(SocketHandle s) { ::shutdown(s, SHUT_WR); }
void shutdownBoth(SocketHandle s) { ::shutdown(s, SHUT_RDWR); }

namespace {
long byteCount(ssize_t n) {
    if (n >= 0) return static_cast<long>(n);
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? kWouldBlock : kSocketError;
}
}  // namespace

long receive(SocketHandle s, char* buf, std::size_t size) {
    return byteCount(::recv(s, buf, size, 0));
}

long sendBytes(SocketHandle s, const char* buf, std::size_t size, bool dontWait) {
    return byteCount(::send(s, buf, size, MSG_NOSIGNAL | (dontWait ? MSG_DONTWAIT : 0)));
}

int pollSockets(std::vector<PollEntry>& entries, int timeoutMs) {
    std::vector<pollfd> fds;
    fds.reserve(entries.size());
    for (const auto& e : entries) {
        short ev = 0;
        if (e.events & kReadable) ev |= POLLIN;
        if (e.events & kPeerClosed) ev |= POLLRDHUP;
        if (e.events & kWritable) ev |= POLLOUT;
        fds.push_back(pollfd{e.socket, ev, 0});
    }
    const int r = ::poll(fds.data(), fds.size(), timeoutMs);
    if (r < 0) return errno == EINTR ? 0 : -1;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const short re = fds[i].revents;
        entries[i].revents = static_cast<short>(
            ((re & POLLIN) ? kReadable : 0) | ((re & POLLRDHUP) ? kPeerClosed : 0) |
            ((re & POLLOUT) ? kWritable : 0) | ((re & (POLLHUP | POLLERR)) ? kBroken : 0));
    }
    return r;
}

std::string lastSocketError() { return std::strerror(errno); }

SocketWaker::SocketWaker() : handle_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    if (handle_ < 0) throw std::runtime_error("eventfd failed");
}

SocketWaker::~SocketWaker() { ::close(handle_); }

void SocketWaker::wake() const {
    const std::uint64_t one = 1;
    [[maybe_unused]] ssize_t ignored = ::write(handle_, &one, sizeof one);
}

void SocketWaker::drain() const {
    std::uint64_t count = 0;
    [[maybe_unused]] ssize_t ignored = ::read(handle_, &count, sizeof count);
}

#endif

void listenBacklog(SocketHandle s, int backlog) { ::listen(s, backlog); }

bool peerEndpoint(SocketHandle s, std::string& ip, int& port) {
    sockaddr_storage a{};
    AddressLength n = sizeof a;
    return ::getpeername(s, reinterpret_cast<sockaddr*>(&a), &n) == 0 && endpointOf(a, ip, port);
}

bool localEndpoint(SocketHandle s, std::string& ip, int& port) {
    sockaddr_storage a{};
    AddressLength n = sizeof a;
    return ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &n) == 0 && endpointOf(a, ip, port);
}

}  // namespace certagent::platform
