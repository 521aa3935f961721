#pragma once
// One tray agent per user: a lock file held with flock() and a Unix socket in the user's
// runtime dir ($XDG_RUNTIME_DIR, else a private folder in /tmp). A second start tells the first
// one to show itself, with what it was started for (e.g. "renew SERIAL CERTID"), and exits.
#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace certagent::ui {

// $XDG_RUNTIME_DIR/certagent, else /tmp/certagent-<uid> (created 0700, refused when another
// user owns it).
std::filesystem::path runtimeDir();

class SingleInstance {
public:
    // Becomes the instance for `dir`, or returns nullptr after telling the running one to
    // activate with `request` (words of [A-Za-z0-9._:-], at most 200 bytes; anything else is
    // sent as a plain activation). onActivate(request) runs on a background thread of this
    // object.
    static std::unique_ptr<SingleInstance> acquire(
        const std::filesystem::path& dir, std::function<void(const std::string&)> onActivate,
        const std::string& request = {});
    ~SingleInstance();
    SingleInstance(const SingleInstance&) = delete;
    SingleInstance& operator=(const SingleInstance&) = delete;

    const std::filesystem::path& socketPath() const { return socket_path_; }

private:
    SingleInstance() = default;
    void listen();
    int lock_fd_ = -1;
    int listen_fd_ = -1;
    int wake_pipe_[2] = {-1, -1};
    std::filesystem::path socket_path_;
    std::function<void(const std::string&)> on_activate_;
    std::thread thread_;
};

}  // namespace certagent::ui
