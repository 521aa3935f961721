#include "certagent/core/platform/stop_signals.hpp"

#include <csignal>

#ifdef _WIN32
#include <windows.h>
#else
#include <pthread.h>
#include <unistd.h>
#endif

namespace certagent::platform {

#ifdef _WIN32

namespace {

HANDLE stopEvent = nullptr;  // manual reset: once set, every wait() returns
volatile LONG stopSignal = 0;

BOOL WINAPI onConsoleEvent(DWORD type) {
    InterlockedExchange(&stopSignal, type == CTRL_C_EVENT ? SIGINT : SIGTERM);
    SetEvent(stopEvent);
    return TRUE;  // handled: the process stops when main returns
}

}  // namespace

StopSignals::StopSignals() {
    stopEvent = CreateEventW(nullptr, TRUE, FALSE, nullptr);
    SetConsoleCtrlHandler(onConsoleEvent, TRUE);
}

StopSignals::~StopSignals() {
    SetConsoleCtrlHandler(onConsoleEvent, FALSE);
    CloseHandle(stopEvent);
    stopEvent = nullptr;
}

int StopSignals::wait() {
    WaitForSingleObject(stopEvent, INFINITE);
    return static_cast<int>(stopSignal);
}

void StopSignals::requestStop() {
    InterlockedExchange(&stopSignal, SIGTERM);
    if (stopEvent) SetEvent(stopEvent);
}

#else

namespace {

sigset_t stopSet() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    return set;
}

}  // namespace

StopSignals::StopSignals() {
    const sigset_t set = stopSet();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
}

StopSignals::~StopSignals() = default;

int StopSignals::wait() {
    const sigset_t set = stopSet();
    int sig = 0;
    while (sigwait(&set, &sig) != 0) {
    }
    return sig;
}

void StopSignals::requestStop() { kill(getpid(), SIGTERM); }

#endif

}  // namespace certagent::platform
