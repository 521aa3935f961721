#pragma once
// A private PC/SC stack for a test: pcscd in its own mount namespace (so its /run/pcscd is a
// temporary folder and a system pcscd, if any, is left alone) with a vpcd virtual reader on a
// free port, and vicc virtual cards (python3-virtualsmartcard, with the Debian packaging
// workaround from lab-notes). Clients reach it through PCSCLITE_CSOCK_NAME (env()).
// Everything it started is stopped when it dies; every wait is bounded.
#include <chrono>
#include <filesystem>
#include <string>
#include <sys/types.h>
#include <vector>

#include "temp_dir.hpp"

namespace certagent::testing {

// A child process in its own process group; killed (group-wide) when the object dies.
class Child {
public:
    Child() = default;
    Child(const std::vector<std::string>& argv, const std::vector<std::string>& env,
          const std::filesystem::path& output);
    ~Child();
    Child(Child&& other) noexcept;
    Child& operator=(Child&& other) noexcept;
    pid_t pid() const { return pid_; }
    bool running();
    // SIGTERM, then SIGKILL after `grace`; returns the exit status (or -signal).
    int stop(std::chrono::milliseconds grace = std::chrono::milliseconds(3000));

private:
    pid_t pid_ = -1;
    int status_ = 0;
};

class PcscLab {
public:
    PcscLab();
    ~PcscLab();
    // Why the lab cannot run here (no unshare, no vpcd, ...); empty when it can.
    static std::string unavailableReason();

    void startPcscd();
    void stopPcscd();
    // Waits until a client can connect (bounded); false on timeout.
    bool waitForPcscd(std::chrono::milliseconds timeout = std::chrono::seconds(10));

    // Inserts a vicc iso7816 card into the first virtual reader; removeCard() pulls it out.
    void insertCard();
    void removeCard();

    std::string socketPath() const;
    std::vector<std::string> env() const;  // "PCSCLITE_CSOCK_NAME=..."
    void activate() const;                 // setenv in this process
    int port() const { return port_; }
    const std::filesystem::path& dir() const { return dir_.path(); }
    std::string pcscdLog() const;

private:
    TempDir dir_;
    // pcsc-lite's client reads PCSCLITE_CSOCK_NAME once per process, so every lab of a process
    // uses the same socket folder.
    std::filesystem::path runDir_;
    int port_ = 0;
    Child pcscd_;
    Child vicc_;
};

}  // namespace certagent::testing
