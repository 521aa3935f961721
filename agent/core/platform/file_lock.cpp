#include "certagent/core/platform/file_lock.hpp"

#include <system_error>

#ifdef _WIN32
#include <windows.h>
#else
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#endif

namespace certagent::platform {

#ifdef _WIN32

namespace {
// The locked byte: far past any note, so reading and writing the note never meets the lock.
constexpr DWORD kLockOffsetHigh = 0x7fffffff;
}  // namespace

FileLock::FileLock(const std::filesystem::path& path) {
    // Others may open it too (they read the note, then fail to lock); not inheritable.
    HANDLE h = CreateFileW(path.wstring().c_str(), GENERIC_READ | GENERIC_WRITE,
                           FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                           OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
    if (h == INVALID_HANDLE_VALUE)
        throw std::system_error(static_cast<int>(GetLastError()), std::system_category(),
                                "cannot open " + path.string());
    handle_ = h;
}

FileLock::~FileLock() {
    if (handle_) CloseHandle(handle_);  // releases the lock
}

bool FileLock::tryLock() {
    OVERLAPPED at{};
    at.OffsetHigh = kLockOffsetHigh;
    return LockFileEx(handle_, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &at) !=
           0;
}

std::string FileLock::read(std::size_t max) const {
    std::string out(max, '\0');
    OVERLAPPED at{};  // from offset 0
    DWORD n = 0;
    if (!ReadFile(handle_, out.data(), static_cast<DWORD>(max), &n, &at)) n = 0;
    out.resize(n);
    return out;
}

bool FileLock::replace(std::string_view text) {
    LARGE_INTEGER start{};
    DWORD n = 0;
    return SetFilePointerEx(handle_, start, nullptr, FILE_BEGIN) && SetEndOfFile(handle_) &&
           WriteFile(handle_, text.data(), static_cast<DWORD>(text.size()), &n, nullptr) &&
           n == text.size();
}

#else

FileLock::FileLock(const std::filesystem::path& path)
    : fd_(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
    if (fd_ < 0)
        throw std::system_error(errno, std::generic_category(), "cannot open " + path.string());
}

FileLock::~FileLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the flock
}

bool FileLock::tryLock() { return ::flock(fd_, LOCK_EX | LOCK_NB) == 0; }

std::string FileLock::read(std::size_t max) const {
    std::string out(max, '\0');
    const auto n = ::pread(fd_, out.data(), max, 0);
    out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    return out;
}

bool FileLock::replace(std::string_view text) {
    return ::ftruncate(fd_, 0) == 0 &&
           ::pwrite(fd_, text.data(), text.size(), 0) == static_cast<ssize_t>(text.size());
}

#endif

}  // namespace certagent::platform
