#include "certagent/core/platform/stop_signals.hpp"

#include <csignal>

#ifdef _WIN32
#include <windows.h>

#include <string>
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

// Named after the process, so another agent of this user can ask it to stop (askToStop); its
// default security lets only this user (and the system and administrators) set it.
std::wstring stopEventName(unsigned long pid) {
    return L"Local\\certagent-stop-" + std::to_wstring(pid);
}

}  // namespace

StopSignals::StopSignals() {
    stopEvent = CreateEventW(nullptr, TRUE, FALSE, stopEventName(GetCurrentProcessId()).c_str());
    SetConsoleCtrlHandler(onConsoleEvent, TRUE);
}

StopSignals::~StopSignals() {
    SetConsoleCtrlHandler(onConsoleEvent, FALSE);
    CloseHandle(stopEvent);
    stopEvent = nullptr;
}

int StopSignals::wait() {
    WaitForSingleObject(stopEvent, INFINITE);
    // Set from another process (askToStop): no console event told us which.
    return stopSignal ? static_cast<int>(stopSignal) : SIGTERM;
}

bool StopSignals::askToStop(int pid) {
    HANDLE event = OpenEventW(EVENT_MODIFY_STATE, FALSE,
                              stopEventName(static_cast<unsigned long>(pid)).c_str());
    if (!event) return false;
    const bool ok = SetEvent(event) != 0;
    CloseHandle(event);
    return ok;
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

bool StopSignals::askToStop(int pid) { return pid > 0 && kill(pid, SIGTERM) == 0; }

#endif

}  // namespace certagent::platform
