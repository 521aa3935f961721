#pragma once
// Runs a tool and collects what it prints (NSS's modutil and certutil): argv executed directly
// (no shell, the system's search path applies), `env` as its whole environment, standard input
// from the null device, killed after `timeout`.
#include <chrono>
#include <string>
#include <vector>

namespace certagent::platform {

struct CapturedRun {
    int exitCode = -1;  // -1: it could not start, `err` says why; 128+N: signal N ended it
    std::string out;
    std::string err;
};

// On Windows: throws certagent::Error, not available there yet.
CapturedRun runCaptured(const std::vector<std::string>& argv, std::vector<std::string> env,
                        std::chrono::seconds timeout);

}  // namespace certagent::platform
