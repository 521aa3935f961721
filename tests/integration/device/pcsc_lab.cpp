#include "pcsc_lab.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace certagent::testing {

namespace fs = std::filesystem;

Child::Child(const std::vector<std::string>& argv, const std::vector<std::string>& env,
             const fs::path& output) {
    pid_ = fork();
    if (pid_ == 0) {
        setpgid(0, 0);
        int fd = open(output.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0) dup2(devnull, 0);
        for (const auto& e : env) putenv(const_cast<char*>(e.c_str()));
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execvp(args[0], args.data());
        _exit(127);
    }
    if (pid_ > 0) setpgid(pid_, pid_);
}

Child::~Child() {
    if (pid_ > 0) stop(std::chrono::milliseconds(2000));
}

Child::Child(Child&& other) noexcept : pid_(other.pid_), status_(other.status_) {
    other.pid_ = -1;
}

Child& Child::operator=(Child&& other) noexcept {
    if (this != &other) {
        if (pid_ > 0) stop();
        pid_ = other.pid_;
        status_ = other.status_;
        other.pid_ = -1;
    }
    return *this;
}

bool Child::running() {
    if (pid_ <= 0) return false;
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
        status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
        pid_ = -1;
        return false;
    }
    return true;
}

int Child::stop(std::chrono::milliseconds grace) {
    if (pid_ <= 0) return status_;
    kill(-pid_, SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + grace;
    while (std::chrono::steady_clock::now() < deadline) {
        if (!running()) return status_;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    kill(-pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    pid_ = -1;
    return status_;
}

namespace {

int freePortPair() {
    // vpcd listens on port and port+1 (two readers); pick a base where both are free now.
    for (int attempt = 0; attempt < 50; ++attempt) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
        getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
        int port = ntohs(a.sin_port);
        close(s);
        int s2 = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in b = a;
        b.sin_port = htons(static_cast<uint16_t>(port + 1));
        bool ok = port < 65000 && bind(s2, reinterpret_cast<sockaddr*>(&b), sizeof b) == 0;
        close(s2);
        if (ok) return port;
    }
    return 40123;
}

}  // namespace

PcscLab::PcscLab()
    : dir_("certagent-pcsc"),
      runDir_(fs::temp_directory_path() / ("certagent-pcsc-run-" + std::to_string(getpid()))),
      port_(freePortPair()) {
    fs::create_directories(dir_ / "conf");
    fs::create_directories(runDir_);
    fs::create_directories(dir_ / "shim");
    fs::create_symlink("/usr/lib/python3/dist-packages/Cryptodome", dir_ / "shim" / "Crypto");
    char hexPort[16];
    std::snprintf(hexPort, sizeof hexPort, "0x%X", port_);
    writeFile(dir_ / "conf" / "vpcd",
              std::string("FRIENDLYNAME \"Virtual PCD\"\nDEVICENAME /dev/null:") + hexPort +
                  "\nLIBPATH /usr/lib/pcsc/drivers/serial/libifdvpcd.so\nCHANNELID " + hexPort +
                  "\n");
}

PcscLab::~PcscLab() {
    vicc_.stop();
    pcscd_.stop();
    std::error_code ec;
    fs::remove_all(runDir_, ec);
}

std::string PcscLab::unavailableReason() {
    // Each reason names the Debian package that brings the missing piece (tests/deps.sh).
    if (!fs::exists("/usr/sbin/pcscd")) return "the package pcscd is not installed";
    if (!fs::exists("/usr/lib/pcsc/drivers/serial/libifdvpcd.so"))
        return "the package vsmartcard-vpcd is not installed (libifdvpcd.so)";
    if (!fs::exists("/usr/bin/vicc"))
        return "the package vsmartcard-vpicc is not installed (/usr/bin/vicc)";
    if (!fs::exists("/usr/lib/python3/site-packages/virtualsmartcard"))
        return "the package python3-virtualsmartcard is not installed";
    auto r = runProcess({"unshare", "-m", "true"}, {}, {}, 10);
    if (r.exit_code != 0) return "unshare -m is not permitted here: " + r.err;
    return {};
}

std::string PcscLab::socketPath() const { return (runDir_ / "pcscd.comm").string(); }

std::vector<std::string> PcscLab::env() const { return {"PCSCLITE_CSOCK_NAME=" + socketPath()}; }

void PcscLab::activate() const { setenv("PCSCLITE_CSOCK_NAME", socketPath().c_str(), 1); }

std::string PcscLab::pcscdLog() const {
    std::error_code ec;
    return fs::exists(dir_ / "pcscd.log", ec) ? readFile(dir_ / "pcscd.log") : std::string();
}

void PcscLab::startPcscd() {
    // Private /run/pcscd: the socket and pid file land in our folder; -c: our reader.conf.
    const std::string script = "mkdir -p /run/pcscd && mount --bind '" + runDir_.string() +
                               "' /run/pcscd && exec pcscd --foreground -c '" +
                               (dir_ / "conf").string() + "'";
    pcscd_ = Child({"unshare", "-m", "sh", "-c", script}, {}, dir_ / "pcscd.log");
}

void PcscLab::stopPcscd() {
    pcscd_.stop();
    std::error_code ec;
    fs::remove(runDir_ / "pcscd.comm", ec);
}

bool PcscLab::waitForPcscd(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        int s = socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::snprintf(a.sun_path, sizeof a.sun_path, "%s", socketPath().c_str());
        bool ok = connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
        close(s);
        if (ok) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
}

void PcscLab::insertCard() {
    vicc_ = Child({"/usr/bin/python3", "/usr/bin/vicc", "-t", "iso7816", "-P",
                   std::to_string(port_)},
                  {"PYTHONPATH=" + (dir_ / "shim").string() +
                   ":/usr/lib/python3/site-packages/virtualsmartcard"},
                  dir_ / "vicc.log");
}

void PcscLab::removeCard() { vicc_.stop(); }

}  // namespace certagent::testing
