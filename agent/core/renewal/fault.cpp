#include <csignal>
#include <cstdlib>
#include <string>
#include <unistd.h>

#include "certagent/core/renewal/engine.hpp"

namespace certagent::renewal {

// Tests kill the agent at every step boundary this way and check that a resumed renewal
// completes without submitting or paying twice. SIGKILL: no destructor, no flush, no commit.
void faultPoint(const std::string& point) {
    const char* target = std::getenv("CERTAGENT_FAULT_AT");
    if (!target || point != target) return;
    ::kill(::getpid(), SIGKILL);
    ::pause();
}

}  // namespace certagent::renewal
