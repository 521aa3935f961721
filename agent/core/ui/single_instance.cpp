#include "certagent/core/ui/single_instance.hpp"

#include <cctype>
#include <system_error>

#include "certagent/core/log.hpp"
#include "certagent/core/platform/file_lock.hpp"
#include "certagent/core/platform/local_messages.hpp"
#include "certagent/core/platform/system.hpp"

namespace certagent::ui {
namespace {

namespace fs = std::filesystem;
constexpr size_t kMaxRequest = 200;

// A request is a few words of [A-Za-z0-9._:-] (a token serial, a CKA_ID in hex).
bool validRequest(const std::string& r) {
    if (r.size() > kMaxRequest) return false;
    for (char c : r)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == ' ' || c == '.' || c == '_' ||
              c == ':' || c == '-'))
            return false;
    return true;
}

}  // namespace

fs::path runtimeDir() { return platform::userRuntimeDir("certagent"); }

std::unique_ptr<SingleInstance> SingleInstance::acquire(
    const fs::path& dir, std::function<void(const std::string&)> onActivate,
    const std::string& request) {
    auto lock = std::make_unique<platform::FileLock>(dir / "certagent.lock");
    const auto endpoint = dir / "certagent.sock";
    if (!lock->tryLock()) {
        // Tells the running instance to show itself (and what for); best effort.
        std::string message = "activate";
        if (!request.empty() && validRequest(request)) message += " " + request;
        platform::sendMessage(endpoint, message + "\n");
        return nullptr;
    }
    std::unique_ptr<SingleInstance> self(new SingleInstance());
    self->lock_ = std::move(lock);
    self->socket_path_ = endpoint;
    self->on_activate_ = std::move(onActivate);
    try {
        self->listener_ = std::make_unique<platform::MessageListener>(
            endpoint, kMaxRequest + 16, [s = self.get()](const std::string& line) {
                if (line.rfind("activate", 0) != 0 || !s->on_activate_) return;
                std::string req = line.size() > 9 ? line.substr(9) : std::string();
                if (!validRequest(req)) req.clear();
                try {
                    s->on_activate_(req);
                } catch (const std::exception& e) {
                    log::warn("ui", "activation failed: {}", e.what());
                }
            });
    } catch (const std::system_error& e) {
        // Still the only instance; a second start just cannot raise us.
        log::warn("ui", "single instance: no activation endpoint ({})", e.what());
    }
    return self;
}

SingleInstance::~SingleInstance() = default;

}  // namespace certagent::ui
