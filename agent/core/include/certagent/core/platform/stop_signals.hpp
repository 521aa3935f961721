#pragma once
// How a headless command (certagent-cli daemon, watch) learns it must stop: SIGINT or SIGTERM
// on POSIX, Ctrl+C / Ctrl+Break / closing the console / logoff / shutdown on Windows.
//
// Create it before any thread starts: on POSIX it blocks the two signals in this thread, and
// every thread started later inherits the mask, so they reach wait() only. A broken pipe is
// ignored (it becomes a write error, not a crash). One per process.
namespace certagent::platform {

class StopSignals {
  public:
    StopSignals();
    ~StopSignals();
    StopSignals(const StopSignals&) = delete;
    StopSignals& operator=(const StopSignals&) = delete;

    // Sleeps until a stop signal arrives (or requestStop()); returns its number (SIGINT 2,
    // SIGTERM 15; on Windows a console close or shutdown counts as SIGTERM).
    int wait();
    // Stops this process as a stop signal would (the reader of `watch` went away).
    static void requestStop();
    // Asks another process of this user to stop as a stop signal would (the tray taking over
    // from a daemon): SIGTERM on POSIX; on Windows the named event its StopSignals waits on, so
    // only a process with a StopSignals hears it. False when it could not be asked.
    static bool askToStop(int pid);
};

}  // namespace certagent::platform
