#pragma once
// Runs a tool and collects what it prints (NSS's modutil and certutil): argv executed directly
// (no shell, the system's search path applies), `env` as its whole environment, standard input
// from the null device, killed after `timeout`. POSIX: posix_spawnp and poll on two pipes.
// Windows: CreateProcessW and a reader thread per pipe; the tool runs in a job object, so the
// kill at the timeout also ends what it started, and its exit code is then 137 (as after
// SIGKILL on POSIX).
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace certagent::platform {

// Each output keeps its first MiB; the rest is read and dropped, so a chatty tool never stalls.
inline constexpr std::size_t kCapturedOutputLimit = std::size_t{1} << 20;

struct CapturedRun {
    int exitCode = -1;  // -1: it could not start, `err` says why; 128+N: signal N ended it
    std::string out;
    std::string err;
};

CapturedRun runCaptured(const std::vector<std::string>& argv, std::vector<std::string> env,
                        std::chrono::seconds timeout);

}  // namespace certagent::platform
