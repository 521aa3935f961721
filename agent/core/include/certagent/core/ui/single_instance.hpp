#pragma once
// One tray agent per user: a lock file (platform::FileLock: flock() on POSIX, LockFileEx on
// Windows) and a message endpoint (platform::MessageListener: a Unix socket, a named pipe on
// Windows) in the user's runtime dir. A second start tells the first one to show itself, with
// what it was started for (e.g. "renew SERIAL CERTID"), and exits.
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

namespace certagent::platform {
class FileLock;
class MessageListener;
}  // namespace certagent::platform

namespace certagent::ui {

// $XDG_RUNTIME_DIR/certagent, else /tmp/certagent-<uid> (created 0700, refused when another
// user owns it); on Windows %LOCALAPPDATA%\certagent (platform::userRuntimeDir).
std::filesystem::path runtimeDir();

class SingleInstance {
public:
    // Becomes the instance for `dir`, or returns nullptr after telling the running one to
    // activate with `request` (words of [A-Za-z0-9._:-], at most 200 bytes; anything else is
    // sent as a plain activation). onActivate(request) runs on a background thread of this
    // object. Throws std::runtime_error when the lock file cannot be opened.
    static std::unique_ptr<SingleInstance> acquire(
        const std::filesystem::path& dir, std::function<void(const std::string&)> onActivate,
        const std::string& request = {});
    ~SingleInstance();
    SingleInstance(const SingleInstance&) = delete;
    SingleInstance& operator=(const SingleInstance&) = delete;

    // The activation endpoint: a socket file on POSIX; on Windows the pipe's name comes from it.
    const std::filesystem::path& socketPath() const { return socket_path_; }

private:
    SingleInstance() = default;
    std::unique_ptr<platform::FileLock> lock_;
    std::filesystem::path socket_path_;
    std::function<void(const std::string&)> on_activate_;
    std::unique_ptr<platform::MessageListener> listener_;  // last: stopped first
};

}  // namespace certagent::ui
