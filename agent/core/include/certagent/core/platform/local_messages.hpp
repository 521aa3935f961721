#pragma once
// Short messages between programs of one user on this computer: how a second start of the tray
// app tells the running one to show itself. POSIX: a Unix socket file at `endpoint` (in the
// user's private runtime folder). Windows: a named pipe whose name is derived from `endpoint`
// (\\.\pipe\certagent-<hash of the path>); local clients only, and the pipe's default security
// lets other users read but not write, so only this user can send.
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace certagent::platform {

class MessageListener {
  public:
    // Listens at `endpoint`; call it only while holding the lock that makes this process the
    // owner (a socket file left there by a dead owner is replaced). onMessage(text) runs on the
    // listener's own thread, once per connection, with the first line sent (at most maxBytes;
    // a sender that says nothing for a second is dropped). Throws std::system_error.
    MessageListener(const std::filesystem::path& endpoint, std::size_t maxBytes,
                    std::function<void(const std::string&)> onMessage);
    ~MessageListener();  // stops the thread; POSIX: removes the socket file
    MessageListener(const MessageListener&) = delete;
    MessageListener& operator=(const MessageListener&) = delete;

  private:
    struct State;
    std::unique_ptr<State> state_;
};

// Sends `message` to the listener at `endpoint`; false when none took it.
bool sendMessage(const std::filesystem::path& endpoint, std::string_view message);

}  // namespace certagent::platform
