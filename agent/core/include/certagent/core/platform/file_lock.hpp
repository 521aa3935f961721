#pragma once
// A lock file only one process at a time holds: the agent's <state dir>/agent.lock (tray or
// daemon) and the tray's certagent.lock. POSIX: flock(). Windows: LockFileEx on one byte far past
// the content (Windows byte locks are mandatory, so a lock over the content would stop the next
// process from reading the holder's note). Either way the lock belongs to this open file: it is
// released when this object goes, and by the system when the process ends, however it ends.
#include <filesystem>
#include <string>
#include <string_view>

namespace certagent::platform {

class FileLock {
  public:
    // Opens `path`, creating it (mode 0600 on POSIX); not inherited by started programs.
    // Throws std::system_error naming the file when it cannot.
    explicit FileLock(const std::filesystem::path& path);
    ~FileLock();
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;

    // Takes the lock without waiting; false when another process holds it.
    bool tryLock();
    // The file's first `max` bytes (another process's note while it holds the lock).
    std::string read(std::size_t max = 128) const;
    // Replaces the content with `text` (the holder's note); false when it cannot.
    bool replace(std::string_view text);

  private:
#ifdef _WIN32
    void* handle_ = nullptr;  // HANDLE
#else
    int fd_ = -1;
#endif
};

}  // namespace certagent::platform
