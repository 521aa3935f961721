#include "certagent/core/ui/single_instance.hpp"

#include "certagent/core/error.hpp"
#include "certagent/core/log.hpp"

#ifdef _WIN32
// Windows would carry the activation over a named pipe, with a named mutex for the lock; not
// written yet (docs/platforms.md, "Not done on Windows").

namespace certagent::ui {

namespace {
[[noreturn]] void notYet() {
    throw Error(ErrorKind::Internal,
                "one tray agent per user (single instance) is not available on Windows yet");
}
}  // namespace

std::filesystem::path runtimeDir() { notYet(); }

std::unique_ptr<SingleInstance> SingleInstance::acquire(const std::filesystem::path&,
                                                        std::function<void(const std::string&)>,
                                                        const std::string&) {
    notYet();
}

SingleInstance::~SingleInstance() = default;
void SingleInstance::listen() {}

}  // namespace certagent::ui

#else  // POSIX: flock() and a Unix socket

#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace certagent::ui {
namespace {

namespace fs = std::filesystem;
constexpr size_t kMaxRequest = 200;

sockaddr_un socketAddress(const fs::path& p) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    auto s = p.string();
    if (s.size() >= sizeof addr.sun_path)
        throw std::runtime_error("runtime dir path too long for a socket: " + s);
    std::memcpy(addr.sun_path, s.c_str(), s.size() + 1);
    return addr;
}

// A request is a few words of [A-Za-z0-9._:-] (a token serial, a CKA_ID in hex).
bool validRequest(const std::string& r) {
    if (r.size() > kMaxRequest) return false;
    for (char c : r)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == ' ' || c == '.' || c == '_' ||
              c == ':' || c == '-'))
            return false;
    return true;
}

// Tells the running instance to show itself (and what for); best effort.
void pokeRunningInstance(const fs::path& socketPath, const std::string& request) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return;
    auto addr = socketAddress(socketPath);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
        std::string msg = "activate";
        if (!request.empty() && validRequest(request)) msg += " " + request;
        msg += "\n";
        [[maybe_unused]] auto n = ::write(fd, msg.data(), msg.size());
    }
    ::close(fd);
}

}  // namespace

fs::path runtimeDir() {
    const char* env = std::getenv("XDG_RUNTIME_DIR");
    fs::path dir = env && *env ? fs::path(env) / "certagent"
                               : fs::path("/tmp") / ("certagent-" + std::to_string(::getuid()));
    ::mkdir(dir.c_str(), 0700);
    struct stat st {};
    // A folder someone else made (or a symlink) in a shared /tmp could let them steal the lock.
    if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::getuid())
        throw std::runtime_error("unsafe runtime dir: " + dir.string());
    return dir;
}

std::unique_ptr<SingleInstance> SingleInstance::acquire(
    const fs::path& dir, std::function<void(const std::string&)> onActivate,
    const std::string& request) {
    auto lockPath = dir / "certagent.lock";
    auto sockPath = dir / "certagent.sock";
    int lockFd = ::open(lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lockFd < 0) throw std::runtime_error("cannot open " + lockPath.string());
    if (::flock(lockFd, LOCK_EX | LOCK_NB) != 0) {
        ::close(lockFd);
        pokeRunningInstance(sockPath, request);
        return nullptr;
    }
    std::unique_ptr<SingleInstance> self(new SingleInstance());
    self->lock_fd_ = lockFd;
    self->socket_path_ = sockPath;
    self->on_activate_ = std::move(onActivate);
    // We hold the lock, so a socket file left there belongs to a dead instance.
    ::unlink(sockPath.c_str());
    self->listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    auto addr = socketAddress(sockPath);
    if (self->listen_fd_ < 0 ||
        ::bind(self->listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(self->listen_fd_, 4) != 0 || ::pipe2(self->wake_pipe_, O_CLOEXEC) != 0) {
        log::warn("ui", "single instance: no activation socket ({})", std::strerror(errno));
        return self;  // still the only instance; a second start just cannot raise us
    }
    self->thread_ = std::thread([s = self.get()] { s->listen(); });
    return self;
}

void SingleInstance::listen() {
    for (;;) {
        pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            return;
        }
        if (fds[1].revents) return;
        if (!(fds[0].revents & POLLIN)) continue;
        int c = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0) continue;
        char buf[kMaxRequest + 16] = {};
        pollfd cfd{c, POLLIN, 0};
        // A peer that connects and says nothing must not hold the listener up.
        ssize_t n = 0;
        if (::poll(&cfd, 1, 1000) > 0 && (n = ::read(c, buf, sizeof buf - 1)) > 0 &&
            std::strncmp(buf, "activate", 8) == 0 && on_activate_) {
            std::string line(buf, static_cast<size_t>(n));
            if (auto nl = line.find('\n'); nl != std::string::npos) line.resize(nl);
            std::string request = line.size() > 9 ? line.substr(9) : std::string();
            if (!validRequest(request)) request.clear();
            try {
                on_activate_(request);
            } catch (const std::exception& e) {
                log::warn("ui", "activation failed: {}", e.what());
            }
        }
        ::close(c);
    }
}

SingleInstance::~SingleInstance() {
    if (thread_.joinable()) {
        char x = 'q';
        [[maybe_unused]] auto n = ::write(wake_pipe_[1], &x, 1);
        thread_.join();
    }
    for (int fd : {listen_fd_, wake_pipe_[0], wake_pipe_[1]})
        if (fd >= 0) ::close(fd);
    if (listen_fd_ >= 0) ::unlink(socket_path_.c_str());
    if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

}  // namespace certagent::ui

#endif
