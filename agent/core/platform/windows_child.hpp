#pragma once
// Windows only: what captured_run.cpp and process.cpp share to start a program with
// CreateProcessW (launch.cpp and desktop_open.cpp use wide()). Not an interface of core: the
// header stays in this folder.
#ifdef _WIN32
#include <windows.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace certagent::platform::windows {

// UTF-8 to UTF-16 and back; the whole string, nulls included.
std::wstring wide(std::string_view utf8);
std::string narrow(std::wstring_view utf16);
// FormatMessageW's text for a Win32 error code, in UTF-8.
std::string errorText(DWORD code);

// Owns a kernel handle: closed when this goes.
class Handle {
  public:
    Handle() = default;
    explicit Handle(HANDLE h) : h_(h == INVALID_HANDLE_VALUE ? nullptr : h) {}
    Handle(Handle&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
    Handle& operator=(Handle&& o) noexcept {
        if (this != &o) reset(std::exchange(o.h_, nullptr));
        return *this;
    }
    ~Handle() { reset(); }
    void reset(HANDLE h = nullptr) {
        if (h_) CloseHandle(h_);
        h_ = h;
    }
    HANDLE get() const { return h_; }
    explicit operator bool() const { return h_ != nullptr; }

  private:
    HANDLE h_ = nullptr;
};

// An inheritable handle on the null device (NUL), for reading or for writing.
Handle nullDevice(bool forWriting);
// An inheritable copy of this process's standard handle (STD_OUTPUT_HANDLE, STD_ERROR_HANDLE),
// or the null device when it has none (the tray app has no console).
Handle inheritableStandardHandle(DWORD which);

struct Child {
    Handle process;
    // The job the child runs in, and everything it starts: closing it ends them all
    // (JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE); TerminateJobObject stops them at once.
    Handle job;
    std::string error;  // why it could not start; process is empty then
};

// The exit code of a program stopped at its timeout: 128 + SIGKILL, as a shell reports a killed
// process on POSIX.
inline constexpr UINT kKilledExitCode = 137;

// Starts argv (argv[0] found by windowsProgramCandidates in this process's PATH; never a shell,
// never the current folder), with `env` ("NAME=value") as its whole environment, no console
// window of its own, and exactly the three given standard handles inherited (each inheritable, all
// three different), in a new job object.
Child startChild(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                 HANDLE in, HANDLE out, HANDLE err);

}  // namespace certagent::platform::windows

#endif
