// sd_notify without libsystemd: one datagram on an AF_UNIX socket, as sd_notify(3) describes.
#include "service_manager.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>

#include "certagent/core/log.hpp"

namespace certagent::platform {

bool notifyServiceManager(const std::string& state) {
    const char* path = std::getenv("NOTIFY_SOCKET");
    if (!path || !*path) return false;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::size_t len = std::strlen(path);
    if ((path[0] != '/' && path[0] != '@') || len >= sizeof(addr.sun_path)) {
        log::debug("daemon", "NOTIFY_SOCKET {} is not a socket path", path);
        return false;
    }
    std::memcpy(addr.sun_path, path, len);
    if (path[0] == '@') addr.sun_path[0] = '\0';  // abstract namespace
    const auto addrLen = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len +
                                                (path[0] == '@' ? 0 : 1));
    int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    ssize_t sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                            reinterpret_cast<const sockaddr*>(&addr), addrLen);
    int err = errno;
    ::close(fd);
    if (sent != static_cast<ssize_t>(state.size())) {
        log::debug("daemon", "sd_notify {} failed: {}", state, std::strerror(err));
        return false;
    }
    return true;
}

}  // namespace certagent::platform
