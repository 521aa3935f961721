#include "certagent/core/platform/local_messages.hpp"

#include <system_error>
#include <thread>

#ifdef _WIN32
#include <windows.h>

#include <cstdint>
#include <cwctype>

#include "windows_child.hpp"
#else
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#endif

namespace certagent::platform {

namespace fs = std::filesystem;

namespace {

std::string firstLine(const char* data, std::size_t n) {
    std::string line(data, n);
    if (auto nl = line.find('\n'); nl != std::string::npos) line.resize(nl);
    return line;
}

}  // namespace

#ifdef _WIN32

namespace {

using windows::Handle;

std::wstring pipeName(const fs::path& endpoint) {
    // FNV-1a of the path without regard to case, as Windows compares paths.
    std::uint64_t hash = 14695981039346656037ull;
    for (wchar_t c : endpoint.lexically_normal().wstring()) {
        hash ^= static_cast<std::uint64_t>(std::towlower(static_cast<wint_t>(c)));
        hash *= 1099511628211ull;
    }
    std::wstring name = L"\\\\.\\pipe\\certagent-";
    for (int shift = 60; shift >= 0; shift -= 4) name += L"0123456789abcdef"[(hash >> shift) & 15];
    return name;
}

[[noreturn]] void fail(const char* what) {
    throw std::system_error(static_cast<int>(GetLastError()), std::system_category(), what);
}

}  // namespace

struct MessageListener::State {
    Handle pipe;
    Handle stop{CreateEventW(nullptr, TRUE, FALSE, nullptr)};  // manual reset
    Handle io{CreateEventW(nullptr, TRUE, FALSE, nullptr)};
    std::size_t maxBytes = 0;
    std::function<void(const std::string&)> onMessage;
    std::thread thread;

    // Completes an overlapped call on the pipe that returned `started`: true when it succeeded
    // within `ms` and before stop; otherwise it is cancelled and has ended when this returns.
    bool complete(OVERLAPPED& op, BOOL started, DWORD ms, DWORD& bytes) {
        if (!started) {
            const DWORD error = GetLastError();
            if (error == ERROR_PIPE_CONNECTED) return true;  // a sender came before the call
            if (error != ERROR_IO_PENDING) return false;
            HANDLE events[2] = {io.get(), stop.get()};
            if (WaitForMultipleObjects(2, events, FALSE, ms) != WAIT_OBJECT_0) {
                CancelIo(pipe.get());
                GetOverlappedResult(pipe.get(), &op, &bytes, TRUE);
                return false;
            }
        }
        return GetOverlappedResult(pipe.get(), &op, &bytes, FALSE) != 0;
    }

    void listen() {
        std::string buf(maxBytes + 16, '\0');
        while (WaitForSingleObject(stop.get(), 0) == WAIT_TIMEOUT) {
            OVERLAPPED op{};
            op.hEvent = io.get();
            ResetEvent(io.get());
            DWORD n = 0;
            if (!complete(op, ConnectNamedPipe(pipe.get(), &op), INFINITE, n)) {
                DisconnectNamedPipe(pipe.get());
                WaitForSingleObject(stop.get(), 100);  // no busy loop on a lasting failure
                continue;
            }
            op = OVERLAPPED{};
            op.hEvent = io.get();
            ResetEvent(io.get());
            n = 0;
            // A sender that connects and says nothing must not hold the listener up.
            const bool read = complete(
                op, ReadFile(pipe.get(), buf.data(), static_cast<DWORD>(buf.size()), nullptr, &op),
                1000, n);
            DisconnectNamedPipe(pipe.get());
            if (read && n > 0 && onMessage) onMessage(firstLine(buf.data(), n));
        }
    }
};

MessageListener::MessageListener(const fs::path& endpoint, std::size_t maxBytes,
                                 std::function<void(const std::string&)> onMessage)
    : state_(std::make_unique<State>()) {
    if (!state_->stop || !state_->io) fail("CreateEventW");
    // FIRST_PIPE_INSTANCE: fails when someone else already has the name, instead of sharing it.
    state_->pipe = Handle(CreateNamedPipeW(
        pipeName(endpoint).c_str(),
        PIPE_ACCESS_INBOUND | FILE_FLAG_FIRST_PIPE_INSTANCE | FILE_FLAG_OVERLAPPED,
        PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS, 1, 0,
        static_cast<DWORD>(maxBytes + 16), 0, nullptr));
    if (!state_->pipe) fail("CreateNamedPipeW");
    state_->maxBytes = maxBytes;
    state_->onMessage = std::move(onMessage);
    state_->thread = std::thread([s = state_.get()] { s->listen(); });
}

MessageListener::~MessageListener() {
    SetEvent(state_->stop.get());
    state_->thread.join();
}

bool sendMessage(const fs::path& endpoint, std::string_view message) {
    const auto name = pipeName(endpoint);
    for (int attempt = 0; attempt < 2; ++attempt) {
        // Identification only: a pipe server may learn who we are, never act as us.
        Handle pipe(CreateFileW(name.c_str(), GENERIC_WRITE, 0, nullptr, OPEN_EXISTING,
                                SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION, nullptr));
        if (pipe) {
            DWORD n = 0;
            return WriteFile(pipe.get(), message.data(), static_cast<DWORD>(message.size()), &n,
                             nullptr) &&
                   n == message.size();
        }
        // One instance, busy with another sender: wait for it once.
        if (GetLastError() != ERROR_PIPE_BUSY || !WaitNamedPipeW(name.c_str(), 1000)) break;
    }
    return false;
}

#else

namespace {

sockaddr_un socketAddress(const fs::path& p) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    auto s = p.string();
    if (s.size() >= sizeof addr.sun_path)
        throw std::system_error(ENAMETOOLONG, std::generic_category(),
                                "runtime dir path too long for a socket: " + s);
    std::memcpy(addr.sun_path, s.c_str(), s.size() + 1);
    return addr;
}

}  // namespace

struct MessageListener::State {
    fs::path path;
    int listenFd = -1;
    int wake[2] = {-1, -1};
    std::size_t maxBytes = 0;
    std::function<void(const std::string&)> onMessage;
    std::thread thread;

    ~State() {
        for (int fd : {listenFd, wake[0], wake[1]})
            if (fd >= 0) ::close(fd);
    }

    void listen() {
        std::string buf(maxBytes + 16, '\0');
        for (;;) {
            pollfd fds[2] = {{listenFd, POLLIN, 0}, {wake[0], POLLIN, 0}};
            if (::poll(fds, 2, -1) < 0) {
                if (errno == EINTR) continue;
                return;
            }
            if (fds[1].revents) return;
            if (!(fds[0].revents & POLLIN)) continue;
            int c = ::accept4(listenFd, nullptr, nullptr, SOCK_CLOEXEC);
            if (c < 0) continue;
            pollfd cfd{c, POLLIN, 0};
            // A sender that connects and says nothing must not hold the listener up.
            ssize_t n = 0;
            if (::poll(&cfd, 1, 1000) > 0 && (n = ::read(c, buf.data(), buf.size())) > 0 &&
                onMessage)
                onMessage(firstLine(buf.data(), static_cast<std::size_t>(n)));
            ::close(c);
        }
    }
};

MessageListener::MessageListener(const fs::path& endpoint, std::size_t maxBytes,
                                 std::function<void(const std::string&)> onMessage)
    : state_(std::make_unique<State>()) {
    auto& s = *state_;
    s.path = endpoint;
    s.maxBytes = maxBytes;
    s.onMessage = std::move(onMessage);
    // The caller holds the owner's lock, so a socket file left there belongs to a dead owner.
    ::unlink(endpoint.c_str());
    const auto addr = socketAddress(endpoint);
    s.listenFd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s.listenFd < 0 ||
        ::bind(s.listenFd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(s.listenFd, 4) != 0 || ::pipe2(s.wake, O_CLOEXEC) != 0)
        throw std::system_error(errno, std::generic_category(), "activation socket");
    s.thread = std::thread([p = state_.get()] { p->listen(); });
}

MessageListener::~MessageListener() {
    char x = 'q';
    [[maybe_unused]] auto n = ::write(state_->wake[1], &x, 1);
    state_->thread.join();
    ::unlink(state_->path.c_str());
}

bool sendMessage(const fs::path& endpoint, std::string_view message) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    bool sent = false;
    try {
        const auto addr = socketAddress(endpoint);
        if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0)
            sent =
                ::write(fd, message.data(), message.size()) == static_cast<ssize_t>(message.size());
    } catch (const std::system_error&) {
    }
    ::close(fd);
    return sent;
}

#endif

}  // namespace certagent::platform
