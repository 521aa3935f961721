#pragma once
// A datagram socket standing in for systemd's $NOTIFY_SOCKET: bound to a path, read with a
// timeout.
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <optional>
#include <string>

namespace certagent::testing {

class NotifySocket {
public:
    explicit NotifySocket(const std::filesystem::path& path) : path_(path) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
        ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    }
    ~NotifySocket() {
        ::close(fd_);
        std::filesystem::remove(path_);
    }
    std::string env() const { return "NOTIFY_SOCKET=" + path_.string(); }
    // The next datagram, or nullopt after `seconds`.
    std::optional<std::string> receive(int seconds) {
        timeval tv{seconds, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        char buf[4096];
        ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
        if (n < 0) return std::nullopt;
        return std::string(buf, static_cast<size_t>(n));
    }

private:
    std::filesystem::path path_;
    int fd_ = -1;
};

}  // namespace certagent::testing
